import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger, scrubSecrets } from '../src/index.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('telemetry/logger', () => {
  it('writes structured lines with service, level name and ISO time', () => {
    const out = capture();
    createLogger({ serviceName: 'sink-clickhouse' }, out.stream).info({ batch: 3 }, 'Batch inserted.');
    const [line] = out.lines();
    assert.ok(line);
    assert.equal(line.service, 'sink-clickhouse');
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'Batch inserted.');
    assert.equal(line.batch, 3);
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
  });

  it('never prints canary secrets from known paths, URLs or errors', () => {
    const out = capture();
    const logger = createLogger({ serviceName: 's' }, out.stream);
    logger.info({ token: 'canary-1', headers: { authorization: 'Bearer canary-2' }, auth: { refresh_token: 'canary-3' } }, 'Refreshed.');
    logger.error({ err: new Error('GET https://graph.example/me?access_token=canary-4&fields=id failed') }, 'Request failed.');
    logger.info({ config: { clickhouse: { password: 'canary-5' } } }, 'Config.');
    const text = JSON.stringify(out.lines());
    for (const canary of ['canary-1', 'canary-2', 'canary-3', 'canary-4', 'canary-5']) assert.doesNotMatch(text, new RegExp(canary));
    assert.match(text, /fields=id/, 'non-secret query parameters survive');
  });

  it('puts the active trace id on every line', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const tracer = new BasicTracerProvider().getTracer('test');
      const out = capture();
      const logger = createLogger({ serviceName: 's' }, out.stream);
      const span = tracer.startSpan('work');
      context.with(trace.setSpan(context.active(), span), () => logger.info('Inside.'));
      span.end();
      logger.info('Outside.');
      const [inside, outside] = out.lines();
      assert.equal(inside?.trace_id, span.spanContext().traceId);
      assert.equal(inside?.span_id, span.spanContext().spanId);
      assert.equal(outside?.trace_id, undefined);
    } finally {
      context.disable();
    }
  });

  it('changes level at runtime', () => {
    const out = capture();
    const logger = createLogger({ serviceName: 's', level: 'info' }, out.stream);
    logger.debug('Hidden.');
    logger.level = 'debug';
    logger.debug('Shown.');
    assert.deepEqual(
      out.lines().map((line) => line.msg),
      ['Shown.'],
    );
  });

  it('scrubs secret query parameters from free text', () => {
    assert.equal(
      scrubSecrets('https://x/y?code=abc&state=1&client_secret=zz'),
      'https://x/y?code=[redacted]&state=1&client_secret=[redacted]',
    );
  });
});
