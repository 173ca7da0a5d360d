// Retry classification and backoff: which failures are retried, dead-lettered or fatal, and
// how kafkajs errors are classified at the package boundary.
import assert from 'node:assert/strict';
import { ConfigError, RetriesExhaustedError, TributaryError } from '@tributary/errors';
import { SerdeError, backoffDelayMs, classifyKafkaError, failureVerdict, isRebalanceError } from '../src/index.ts';

/** Shapes of kafkajs 2.2.4 errors (name, type, retriable, cause), without importing kafkajs. */
function kafkaJsError(name: string, message: string, fields: Record<string, unknown> = {}): Error {
  const error = new Error(message);
  error.name = name;
  Object.assign(error, { retriable: true, ...fields });
  return error;
}

describe('kafka/retry', () => {
  it('retries transient errors, dead-letters data errors, and stops on everything else', () => {
    assert.equal(failureVerdict(new TributaryError('CLICKHOUSE_TIMEOUT', 't', { failureType: 'transient' })), 'transient');
    assert.equal(
      failureVerdict(
        new RetriesExhaustedError('CLICKHOUSE_INSERT_FAILED', 'gave up', [new TributaryError('X', 'x', { failureType: 'transient' })]),
      ),
      'transient',
      'a transient error whose own retries ran out is still back-pressure, not poison',
    );
    assert.equal(failureVerdict(new SerdeError('SERDE_BAD_MAGIC', 'bad')), 'data');
    assert.equal(failureVerdict(new TributaryError('QUALITY_REJECTED', 'bad', { failureType: 'data' })), 'data');
    assert.equal(failureVerdict(new ConfigError('CLICKHOUSE_AUTH', 'wrong password')), 'fatal');
    assert.equal(failureVerdict(new TributaryError('BUG', 'bug', { failureType: 'system' })), 'fatal');
    assert.equal(failureVerdict(new TypeError('x is undefined')), 'fatal');
    assert.equal(failureVerdict('a string'), 'fatal');
  });

  it('backs off exponentially with equal jitter, capped', () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((retry) => backoffDelayMs(retry, policy, () => 1)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.deepEqual(
      [1, 2, 3].map((retry) => backoffDelayMs(retry, policy, () => 0)),
      [50, 100, 200],
    );
  });

  it('classifies kafkajs errors: lost connections transient, oversized records data, missing topics config', () => {
    const brokers = ['127.0.0.1:9092'];
    const connection = classifyKafkaError(
      kafkaJsError('KafkaJSConnectionError', 'Connection error: ECONNREFUSED'),
      'KAFKA_PRODUCE_FAILED',
      'produce',
      brokers,
    );
    assert.equal(connection.failureType, 'transient');
    assert.match(connection.hint!, /127\.0\.0\.1:9092/);

    const inner = kafkaJsError(
      'KafkaJSProtocolError',
      'The request included a message larger than the max message size the server will accept',
      {
        type: 'MESSAGE_TOO_LARGE',
        retriable: false,
      },
    );
    const tooLarge = classifyKafkaError(
      kafkaJsError('KafkaJSNumberOfRetriesExceeded', inner.message, { retriable: false, cause: inner }),
      'KAFKA_PRODUCE_FAILED',
      'produce',
      brokers,
    );
    assert.equal(tooLarge.failureType, 'data');
    assert.equal(tooLarge.details.kafkaErrorType, 'MESSAGE_TOO_LARGE');

    const missing = classifyKafkaError(
      kafkaJsError('KafkaJSProtocolError', 'This server does not host this topic-partition', { type: 'UNKNOWN_TOPIC_OR_PARTITION' }),
      'KAFKA_PRODUCE_FAILED',
      'produce',
      brokers,
    );
    assert.equal(missing.failureType, 'config');
    assert.match(missing.hint!, /topics apply/);

    const gaveUp = classifyKafkaError(
      kafkaJsError('KafkaJSNumberOfRetriesExceeded', 'leader moved', {
        retriable: false,
        cause: kafkaJsError('KafkaJSProtocolError', 'leader moved', { type: 'NOT_LEADER_FOR_PARTITION', retriable: true }),
      }),
      'KAFKA_PRODUCE_FAILED',
      'produce',
      brokers,
    );
    assert.equal(gaveUp.failureType, 'transient');
  });

  it('recognises rebalances, which kafkajs handles by rejoining', () => {
    assert.ok(isRebalanceError(kafkaJsError('KafkaJSProtocolError', 'The group is rebalancing', { type: 'REBALANCE_IN_PROGRESS' })));
    assert.ok(isRebalanceError(kafkaJsError('KafkaJSProtocolError', 'generation', { type: 'ILLEGAL_GENERATION' })));
    assert.ok(!isRebalanceError(new TributaryError('X', 'rebalance in the message only', { failureType: 'transient' })));
  });
});
