// The failed record → quarantine row contract: the columns match migration 0006, payload bytes
// survive the base64 trip, and missing or malformed facts land as "unknown" instead of throwing.
import assert from 'node:assert/strict';
import { loadMigrations } from '../src/migration-files.ts';
import { QUARANTINE_INSERT_COLUMNS, QUARANTINE_TABLE, quarantineRow } from '../src/quarantine-rows.ts';
import type { FailedRecordFacts } from '../src/quarantine-rows.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const SOURCE_TIME = Date.UTC(2026, 10, 24, 3, 0, 0, 250);

function facts(overrides: Partial<FailedRecordFacts> = {}): FailedRecordFacts {
  return {
    stage: 'quality',
    service: 'transform-quality',
    reasonCodes: ['TIMESTAMP_IN_FUTURE', 'VIEWS_NEGATIVE'],
    errorMessage: 'observed_at is 3 days ahead',
    failedAt: '2026-11-24T02:59:59.123Z',
    originTopic: 'social.enriched.posts',
    originPartition: '2',
    originOffset: '9007199254740993',
    originTimestamp: String(Date.UTC(2026, 10, 24, 2, 59, 58)),
    originKey: Buffer.from('TIKTOK:7301'),
    event: { eventId: 'e'.repeat(64), platform: 'TIKTOK', schemaId: 12 },
    traceparent: TRACEPARENT,
    payload: Buffer.from([0, 0, 0, 0, 12, 0xff, 0x00, 0x80, 0x41]),
    source: { topic: 'social.quarantine.posts', partition: 1, offset: 42n, timestampMs: SOURCE_TIME },
    ...overrides,
  };
}

/** Columns of the quarantine table in the migrations, and whether each has a default. */
function tableColumns(): { name: string; hasDefault: boolean }[] {
  for (const migration of loadMigrations())
    for (const statement of migration.statements) {
      const match = /^CREATE TABLE IF NOT EXISTS \$\{database\}\.quarantine\s*\(([\s\S]*?)\n\)\s*ENGINE/.exec(statement);
      if (!match?.[1]) continue;
      return match[1]
        .split('\n')
        .map((line) => /^\s+(\w+) (.*?),?$/.exec(line))
        .filter((line): line is RegExpExecArray => line !== null)
        .map((line) => ({ name: line[1]!, hasDefault: / (DEFAULT|EPHEMERAL|MATERIALIZED) /.test(` ${line[2]} `) }));
    }
  throw new Error('no CREATE TABLE for quarantine in the migrations');
}

describe('clickhouse/quarantine-rows', () => {
  it(`maps every fact to a column of ${QUARANTINE_TABLE}, and every column without a default gets a value`, () => {
    const columns = tableColumns();
    const names = new Set(columns.map((column) => column.name));
    const row = quarantineRow(facts());
    assert.deepEqual(Object.keys(row), [...QUARANTINE_INSERT_COLUMNS], 'the row carries exactly the insert columns, in order');
    for (const key of QUARANTINE_INSERT_COLUMNS) assert.ok(names.has(key), `${key} has no column`);
    for (const column of columns) if (!column.hasDefault) assert.ok(column.name in row, `${column.name} missing from the row`);
  });

  it('maps a complete quarantine record', () => {
    assert.deepEqual(quarantineRow(facts()), {
      failed_at: '2026-11-24 02:59:59.123',
      stage: 'quality',
      service: 'transform-quality',
      origin_topic: 'social.enriched.posts',
      origin_partition: 2,
      origin_offset: '9007199254740993',
      origin_key: 'TIKTOK:7301',
      origin_timestamp: '2026-11-24 02:59:58.000',
      event_id: 'e'.repeat(64),
      platform: 'TIKTOK',
      schema_id: 12,
      reason_codes: ['TIMESTAMP_IN_FUTURE', 'VIEWS_NEGATIVE'],
      error_class: '',
      error_message: 'observed_at is 3 days ahead',
      attempts: 1,
      payload_base64: 'AAAAAAz/AIBB',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      source_topic: 'social.quarantine.posts',
      source_partition: 1,
      source_offset: '42',
    });
  });

  it('payload bytes round-trip through base64 unchanged, including every byte value and a tombstone', () => {
    const everyByte = Buffer.from([...Array(256).keys()]);
    const row = quarantineRow(facts({ payload: everyByte }));
    assert.deepEqual(Buffer.from(String(row.payload_base64), 'base64'), everyByte);
    assert.equal(quarantineRow(facts({ payload: null })).payload_base64, '');
    assert.equal(quarantineRow(facts({ payload: Buffer.alloc(0) })).payload_base64, '');
  });

  it('lands a record with nothing known but itself: unknown origin, its own time, no event', () => {
    const row = quarantineRow({
      stage: undefined,
      service: undefined,
      reasonCodes: [],
      failedAt: undefined,
      originTopic: undefined,
      originPartition: undefined,
      originOffset: undefined,
      originTimestamp: undefined,
      originKey: null,
      event: undefined,
      traceparent: undefined,
      payload: Buffer.from('not avro'),
      source: { topic: 'dlq.transform-enrich', partition: 0, offset: '7', timestampMs: SOURCE_TIME },
    });
    assert.deepEqual(
      { ...row },
      {
        failed_at: '2026-11-24 03:00:00.250',
        stage: '',
        service: '',
        origin_topic: '',
        origin_partition: -1,
        origin_offset: '-1',
        origin_key: '',
        origin_timestamp: null,
        event_id: '',
        platform: '',
        schema_id: null,
        reason_codes: [],
        error_class: '',
        error_message: '',
        attempts: 1,
        payload_base64: Buffer.from('not avro').toString('base64'),
        trace_id: '',
        source_topic: 'dlq.transform-enrich',
        source_partition: 0,
        source_offset: '7',
      },
    );
  });

  it('replaces malformed facts by unknowns instead of throwing (a failed record must not fail again)', () => {
    const row = quarantineRow(
      facts({
        failedAt: 'yesterday',
        originPartition: '2147483648',
        originOffset: '12abc',
        originTimestamp: String(Date.UTC(2400, 0, 1)),
        attempts: '0',
        traceparent: 'garbage',
        reasonCodes: ['', 'RANGE'],
        event: { eventId: 'x', platform: 'YOUTUBE', schemaId: -3 },
      }),
    );
    assert.equal(row.failed_at, '2026-11-24 03:00:00.250', 'the source record time');
    assert.equal(row.origin_partition, -1);
    assert.equal(row.origin_offset, '-1');
    assert.equal(row.origin_timestamp, null, 'outside DateTime64');
    assert.equal(row.attempts, 1);
    assert.equal(row.trace_id, '');
    assert.deepEqual(row.reason_codes, ['RANGE']);
    assert.equal(row.schema_id, null);
    assert.equal(quarantineRow(facts({ failedAt: '2500-01-01T00:00:00Z' })).failed_at, '2026-11-24 03:00:00.250');
    assert.equal(quarantineRow(facts({ attempts: '3' })).attempts, 3);
  });

  it('is deterministic: the same facts give the same row (a re-formed batch repeats its insert)', () => {
    assert.deepEqual(quarantineRow(facts()), quarantineRow(facts()));
  });
});
