// Dead-letter records: original bytes and headers kept, error context added under
// tributary-dlq-*, secrets scrubbed from messages, a second failure replacing the first's context.
import assert from 'node:assert/strict';
import { TributaryError } from '@tributary/errors';
import { DLQ_HEADERS, SerdeError, deadLetterHeaders, deadLetterRecord, readDeadLetterHeaders } from '../src/index.ts';
import type { OriginalRecord } from '../src/index.ts';

const original: OriginalRecord = {
  topic: 'social.raw.posts',
  partition: 4,
  offset: '9007199254740993', // beyond 2^53: offsets stay strings
  key: Buffer.from('INSTAGRAM:17895695668004550'),
  value: Buffer.from([0, 0, 0, 0, 42, 1, 2, 3]),
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'tributary-event-id': Buffer.from('abc') },
  timestamp: 1_795_413_600_000,
};
const failedAt = new Date('2026-11-23T12:34:56.789Z');

describe('kafka/dead-letter', () => {
  it('keeps key, value and headers and adds the error context (Kafka Connect style)', () => {
    const record = deadLetterRecord(
      original,
      {
        service: 'sink-clickhouse',
        stage: 'deserialize',
        error: new SerdeError('SERDE_TRUNCATED_AVRO', 'ends early'),
        attempts: 1,
        failedAt,
      },
      'dlq.sink-clickhouse',
    );
    assert.equal(record.topic, 'dlq.sink-clickhouse');
    assert.equal(record.key, original.key);
    assert.equal(record.value, original.value);
    assert.equal(record.headers!.traceparent, original.headers.traceparent);
    assert.equal(record.headers!['tributary-event-id'], original.headers['tributary-event-id']);
    assert.deepEqual(readDeadLetterHeaders(record.headers!), {
      originTopic: 'social.raw.posts',
      originPartition: '4',
      originOffset: '9007199254740993',
      originTimestamp: '1795413600000',
      stage: 'deserialize',
      errorCode: 'SERDE_TRUNCATED_AVRO',
      errorClass: 'SerdeError',
      errorMessage: 'ends early',
      failedAt: '2026-11-23T12:34:56.789Z',
      attempts: '1',
      service: 'sink-clickhouse',
    });
  });

  it('scrubs secret-looking query parameters and bounds the message length', () => {
    const error = new Error(`GET https://graph.facebook.com/v21.0/me?fields=id&access_token=EAAB-secret-123 failed: ${'x'.repeat(5000)}`);
    const headers = deadLetterHeaders(original, { service: 's', stage: 'transform', error, attempts: 3, failedAt });
    const message = headers[DLQ_HEADERS.errorMessage]!;
    assert.doesNotMatch(message, /EAAB-secret-123/);
    assert.match(message, /access_token=\[redacted\]/);
    assert.equal(message.length, 1000);
    assert.equal(headers[DLQ_HEADERS.errorCode], 'UNCLASSIFIED');
    assert.equal(headers[DLQ_HEADERS.errorClass], 'Error');
    assert.equal(headers[DLQ_HEADERS.attempts], '3');
  });

  it('replaces the context of an earlier failure when a redriven record fails again', () => {
    const first = deadLetterRecord(
      original,
      {
        service: 'transform-enrich',
        stage: 'transform',
        error: new TributaryError('A_CODE', 'first', { failureType: 'data' }),
        attempts: 1,
        failedAt,
      },
      'dlq.transform-enrich',
    );
    const redriven: OriginalRecord = { ...original, headers: first.headers!, topic: 'social.raw.posts', offset: '77' };
    const second = deadLetterRecord(
      redriven,
      {
        service: 'transform-enrich',
        stage: 'sink',
        error: new TributaryError('B_CODE', 'second', { failureType: 'data' }),
        attempts: 2,
        failedAt,
      },
      'dlq.transform-enrich',
    );
    const context = readDeadLetterHeaders(second.headers!)!;
    assert.equal(context.errorCode, 'B_CODE');
    assert.equal(context.originOffset, '77');
    assert.equal(context.stage, 'sink');
    assert.equal(Object.keys(second.headers!).filter((key) => key.startsWith('tributary-dlq-')).length, Object.keys(DLQ_HEADERS).length);
  });

  it('reads no context from a record that has none', () => {
    assert.equal(readDeadLetterHeaders(original.headers), undefined);
  });
});
