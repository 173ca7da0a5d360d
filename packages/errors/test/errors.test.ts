import assert from 'node:assert/strict';
import { ConfigError, RetriesExhaustedError, TributaryError, describeCause, isRetryable } from '../src/index.ts';

describe('errors', () => {
  it('defaults retryable from the failure type', () => {
    assert.equal(new TributaryError('X_TRANSIENT', 'm', { failureType: 'transient' }).retryable, true);
    assert.equal(new TributaryError('X_SYSTEM', 'm', { failureType: 'system' }).retryable, false);
    assert.equal(new TributaryError('X_DATA', 'm', { failureType: 'data' }).retryable, false);
    assert.equal(new ConfigError('X_CONFIG', 'm').retryable, false);
  });

  it('names the subclass and serialises code, type and hint', () => {
    const error = new ConfigError('CONFIG_INVALID', 'bad port', { hint: 'set TRIBUTARY_HTTP_PORT' });
    assert.equal(error.name, 'ConfigError');
    assert.deepEqual(error.toJSON(), {
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      failureType: 'config',
      retryable: false,
      message: 'bad port',
      hint: 'set TRIBUTARY_HTTP_PORT',
    });
  });

  it('retries only when the whole cause chain is retryable', () => {
    const transient = new TributaryError('NET', 'reset', { failureType: 'transient' });
    const wrappedBad = new TributaryError('OUTER', 'outer', {
      failureType: 'transient',
      cause: new TributaryError('SCHEMA', 's', { failureType: 'data' }),
    });
    assert.equal(isRetryable(transient), true);
    assert.equal(isRetryable(wrappedBad), false);
    assert.equal(isRetryable(new Error('unknown')), false);
    assert.equal(isRetryable(undefined), false);
  });

  it('keeps every attempt when retries are exhausted', () => {
    const attempts = [new Error('first'), new TributaryError('HTTP_503', 'second', { failureType: 'transient' })];
    const error = new RetriesExhaustedError('REQUEST_FAILED', 'GET /v2/video/list failed', attempts);
    assert.equal(error.attempts.length, 2);
    assert.match(error.message, /2 attempts/);
    assert.equal(error.retryable, false);
    assert.equal(error.failureType, 'transient');
    assert.deepEqual(
      (error.details as { attempts: unknown[] }).attempts.map((a) => (a as { message: string }).message),
      ['first', 'second'],
    );
  });

  it('describes non-error values safely', () => {
    assert.deepEqual(describeCause('boom'), { message: 'boom' });
    assert.deepEqual(describeCause(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), {
      name: 'Error',
      message: 'refused',
      code: 'ECONNREFUSED',
    });
  });
});
