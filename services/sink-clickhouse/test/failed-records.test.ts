// Quarantine records and dead letters → quarantine rows: headers present and missing, undecodable
// payloads, the topic entries of sink.quarantineTopics.
import assert from 'node:assert/strict';
import { quarantineRow } from '@tributary/clickhouse';
import { isTributaryError } from '@tributary/errors';
import { DLQ_HEADERS, QUARANTINE_HEADERS, deadLetterRecord } from '@tributary/kafka';
import type { OriginalRecord } from '@tributary/kafka';
import { TributaryError } from '@tributary/errors';
import {
  catalogueFailedTopics,
  deadLetterFacts,
  deadLetterSchemas,
  parseFailedTopicEntry,
  quarantinedFacts,
} from '../src/failed-records.ts';
import type { DecodedFailedEvent } from '../src/failed-records.ts';
import { sinkOptionsSchema } from '../src/spec.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const ENVELOPE_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const PAYLOAD = Buffer.from([0, 0, 0, 0, 7, 0xff, 0xfe, 0x00, 0x10]);
const SOURCE_TIME = Date.UTC(2026, 10, 24, 4, 0, 0);

function event(overrides: Partial<DecodedFailedEvent['value']> = {}): DecodedFailedEvent {
  return {
    schemaId: 7,
    value: {
      envelope: { event_id: 'a'.repeat(64), platform: 'INSTAGRAM', traceparent: ENVELOPE_TRACEPARENT },
      quality: {
        score: 0,
        ruleset_version: 'quality-rules/3',
        flags: [
          { code: 'TIMESTAMP_IN_FUTURE', severity: 'HARD', field: 'envelope.observed_at', detail: 'observed_at is 2 days ahead' },
          { code: 'VELOCITY_ANOMALY', severity: 'WARN', field: 'views', detail: 'views velocity 9 MADs above the median' },
          { code: 'REACH_EXCEEDS_VIEWS', severity: 'HARD', field: 'reach', detail: null },
        ],
      },
      ...overrides,
    },
  };
}

function record(topic: string, headers: Record<string, string>, value: Buffer | null = PAYLOAD): OriginalRecord {
  return { topic, partition: 2, offset: '31', key: Buffer.from('INSTAGRAM:1789'), value, headers, timestamp: SOURCE_TIME };
}

const QUARANTINE_HEADER_VALUES: Record<string, string> = {
  [QUARANTINE_HEADERS.reasons]: 'TIMESTAMP_IN_FUTURE,REACH_EXCEEDS_VIEWS',
  [QUARANTINE_HEADERS.ruleset]: 'quality-rules/3',
  [QUARANTINE_HEADERS.service]: 'transform-quality',
  [QUARANTINE_HEADERS.quarantinedAt]: '2026-11-24T03:59:58.500Z',
  [QUARANTINE_HEADERS.originTopic]: 'social.enriched.post-metrics',
  [QUARANTINE_HEADERS.originPartition]: '1',
  [QUARANTINE_HEADERS.originOffset]: '1200',
  [QUARANTINE_HEADERS.originTimestamp]: String(Date.UTC(2026, 10, 24, 3, 59, 57)),
  [QUARANTINE_HEADERS.curatedTopic]: 'social.curated.post-metrics',
  traceparent: TRACEPARENT,
};

describe('sink-clickhouse failed records', () => {
  describe('quarantined events', () => {
    it('take stage, service, reasons, origin and time from the quarantine headers, event id and message from the event', () => {
      const row = quarantineRow(quarantinedFacts(record('social.quarantine.post-metrics', QUARANTINE_HEADER_VALUES), event()));
      assert.equal(row.stage, 'quality');
      assert.equal(row.service, 'transform-quality');
      assert.deepEqual(row.reason_codes, ['TIMESTAMP_IN_FUTURE', 'REACH_EXCEEDS_VIEWS']);
      assert.equal(
        row.error_message,
        'observed_at is 2 days ahead; REACH_EXCEEDS_VIEWS',
        'HARD flags only; a flag without detail says its code',
      );
      assert.equal(row.failed_at, '2026-11-24 03:59:58.500');
      assert.equal(row.origin_topic, 'social.enriched.post-metrics');
      assert.equal(row.origin_partition, 1);
      assert.equal(row.origin_offset, '1200');
      assert.equal(row.origin_timestamp, '2026-11-24 03:59:57.000');
      assert.equal(row.origin_key, 'INSTAGRAM:1789');
      assert.equal(row.event_id, 'a'.repeat(64));
      assert.equal(row.platform, 'INSTAGRAM');
      assert.equal(row.schema_id, 7);
      assert.equal(row.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736', 'the traceparent header first');
      assert.deepEqual(Buffer.from(String(row.payload_base64), 'base64'), PAYLOAD);
      assert.deepEqual([row.source_topic, row.source_partition, row.source_offset], ['social.quarantine.post-metrics', 2, '31']);
    });

    it('without headers still land: reasons from the HARD flags, trace from the envelope, time of the record itself', () => {
      const row = quarantineRow(quarantinedFacts(record('social.quarantine.posts', {}), event()));
      assert.deepEqual(row.reason_codes, ['TIMESTAMP_IN_FUTURE', 'REACH_EXCEEDS_VIEWS']);
      assert.equal(row.service, '');
      assert.equal(row.origin_topic, '');
      assert.equal(row.origin_offset, '-1');
      assert.equal(row.failed_at, '2026-11-24 04:00:00.000');
      assert.equal(row.trace_id, '0af7651916cd43dd8448eb211c80319c');
      assert.equal(row.event_id, 'a'.repeat(64));
    });

    it('that do not decode land their bytes with the reasons of the headers and no event', () => {
      const garbage = Buffer.from('definitely not avro');
      const row = quarantineRow(quarantinedFacts(record('social.quarantine.posts', QUARANTINE_HEADER_VALUES, garbage), undefined));
      assert.deepEqual(row.reason_codes, ['TIMESTAMP_IN_FUTURE', 'REACH_EXCEEDS_VIEWS']);
      assert.equal(row.event_id, '');
      assert.equal(row.platform, '');
      assert.equal(row.schema_id, null);
      assert.equal(row.error_message, '');
      assert.deepEqual(Buffer.from(String(row.payload_base64), 'base64'), garbage);
    });
  });

  describe('dead letters', () => {
    const original: OriginalRecord = {
      topic: 'social.raw.posts',
      partition: 4,
      offset: '9007199254740993',
      key: Buffer.from('TIKTOK:73'),
      value: PAYLOAD,
      headers: { traceparent: TRACEPARENT },
      timestamp: Date.UTC(2026, 10, 24, 3, 0, 0),
    };
    const error = new TributaryError('ENRICH_EXPRESSION_FAILED', 'the expression threw: $undefinedFunction()', { failureType: 'data' });

    it('take stage, service, error, attempts and origin from the tributary-dlq-* headers', () => {
      const dead = deadLetterRecord(
        original,
        { service: 'transform-enrich', stage: 'transform', error, attempts: 3, failedAt: new Date(Date.UTC(2026, 10, 24, 3, 30)) },
        'dlq.transform-enrich',
      );
      const read: OriginalRecord = { ...record('dlq.transform-enrich', dead.headers as Record<string, string>), value: dead.value };
      const row = quarantineRow(deadLetterFacts(read, event()));
      assert.equal(row.stage, 'transform');
      assert.equal(row.service, 'transform-enrich');
      assert.deepEqual(row.reason_codes, ['ENRICH_EXPRESSION_FAILED']);
      assert.equal(row.error_class, 'TributaryError');
      assert.equal(row.error_message, 'the expression threw: $undefinedFunction()');
      assert.equal(row.attempts, 3);
      assert.equal(row.failed_at, '2026-11-24 03:30:00.000');
      assert.deepEqual([row.origin_topic, row.origin_partition, row.origin_offset], ['social.raw.posts', 4, '9007199254740993']);
      assert.equal(row.origin_timestamp, '2026-11-24 03:00:00.000');
      assert.equal(row.event_id, 'a'.repeat(64));
      assert.equal(row.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.deepEqual(Buffer.from(String(row.payload_base64), 'base64'), PAYLOAD, 'the original bytes');
      assert.deepEqual([row.source_topic, row.source_offset], ['dlq.transform-enrich', '31']);
    });

    it('that do not decode land with event_id and platform empty', () => {
      const row = quarantineRow(
        deadLetterFacts(
          record('dlq.source-tiktok', { [DLQ_HEADERS.stage]: 'deserialize', [DLQ_HEADERS.errorCode]: 'SERDE_BAD_MAGIC' }),
          undefined,
        ),
      );
      assert.deepEqual([row.stage, row.event_id, row.platform, row.schema_id], ['deserialize', '', '', null]);
      assert.deepEqual(row.reason_codes, ['SERDE_BAD_MAGIC']);
    });

    it('with no headers at all still land, with what the record itself says', () => {
      const row = quarantineRow(deadLetterFacts(record('dlq.sink-clickhouse', {}, null), undefined));
      assert.deepEqual(row.reason_codes, []);
      assert.deepEqual([row.stage, row.service, row.origin_topic, row.origin_partition], ['', '', '', -1]);
      assert.equal(row.attempts, 1);
      assert.equal(row.failed_at, '2026-11-24 04:00:00.000');
      assert.equal(row.payload_base64, '', 'a tombstone has no bytes');
      assert.equal(row.source_topic, 'dlq.sink-clickhouse');
    });

    it('are tried with the value schema of their origin topic first', () => {
      const schemas = deadLetterSchemas(record('dlq.transform-quality', { [DLQ_HEADERS.originTopic]: 'social.enriched.comments' }));
      assert.equal(schemas[0], 'io.tributary.social.Comment');
      assert.equal(schemas.length, 5);
      assert.equal(new Set(schemas).size, 5);
      assert.equal(deadLetterSchemas(record('dlq.x', { [DLQ_HEADERS.originTopic]: 'test.unknown' })).length, 5);
    });
  });

  describe('sink.quarantineTopics', () => {
    it('defaults to every quarantine and dead-letter topic of the catalogue, the sink’s own included', () => {
      const topics = catalogueFailedTopics();
      assert.deepEqual((sinkOptionsSchema.quarantineTopics as { default: unknown }).default, topics);
      for (const topic of [
        'social.quarantine.posts',
        'social.quarantine.post-metrics',
        'social.quarantine.account-metrics',
        'social.quarantine.comments',
        'dlq.transform-enrich',
        'dlq.transform-quality',
        'dlq.source-tiktok',
        'dlq.sink-clickhouse',
      ])
        assert.ok(topics.includes(topic), topic);
      for (const topic of topics) assert.match(topic, /^(social\.quarantine\.|dlq\.)/);
    });

    it('reads dlq.* as dead letters and other topics as quarantined events of a canonical schema', () => {
      assert.deepEqual(parseFailedTopicEntry('dlq.test-1'), { topic: 'dlq.test-1', kind: 'dead-letter', schema: undefined });
      assert.deepEqual(parseFailedTopicEntry('social.quarantine.comments'), {
        topic: 'social.quarantine.comments',
        kind: 'quarantined',
        schema: 'io.tributary.social.Comment',
      });
      assert.deepEqual(parseFailedTopicEntry(' test.q.1 = io.tributary.social.Post '), {
        topic: 'test.q.1',
        kind: 'quarantined',
        schema: 'io.tributary.social.Post',
      });
      for (const bad of ['test.unknown', 'social.curated.posts=io.tributary.system.OperatorAction', 'dlq.x=io.tributary.social.Post', '']) {
        assert.throws(
          () => parseFailedTopicEntry(bad),
          (error: unknown) => isTributaryError(error) && error.code === 'SINK_QUARANTINE_TOPIC_UNKNOWN' && error.failureType === 'config',
          bad,
        );
      }
    });
  });
});
