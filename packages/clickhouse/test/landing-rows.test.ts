// The event → landing row contract, checked against the golden example records of
// schemas/avro/examples and against the column lists of the landing tables in the migrations, so
// the mapper and the tables cannot drift apart.
import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import type { Post } from '@tributary/events';
import { LANDING_TABLES, landingRow, toCollectionTime, toDateTime64, traceIdOf } from '../src/landing-rows.ts';
import type { LandedSchemaName } from '../src/landing-rows.ts';
import { loadMigrations } from '../src/migration-files.ts';
import { EXAMPLE_DIRS, goldenRecord, goldenRecords } from './golden-records.ts';

/** Column names of each table created by the migrations, read from the CREATE TABLE statements. */
function migrationColumns(): Map<string, { name: string; hasDefault: boolean }[]> {
  const tables = new Map<string, { name: string; hasDefault: boolean }[]>();
  for (const migration of loadMigrations()) {
    for (const statement of migration.statements) {
      const match = /^CREATE TABLE IF NOT EXISTS \$\{database\}\.(\w+)\s*\(([\s\S]*?)\n\)\s*ENGINE/.exec(statement);
      if (!match?.[1] || !match[2]) continue;
      const columns = match[2]
        .split('\n')
        .map((line) => /^\s+(\w+) (.*?),?$/.exec(line))
        .filter((line): line is RegExpExecArray => line !== null && line[1] !== 'INDEX')
        .map((line) => ({ name: line[1] as string, hasDefault: / (DEFAULT|EPHEMERAL|MATERIALIZED) /.test(` ${line[2]} `) }));
      tables.set(match[1], columns);
    }
  }
  return tables;
}

const LINEAGE = { topic: 'social.curated.posts', partition: 3, offset: '9007199254740993', schemaId: 17 };
const PLATFORM_PREFIX = /^(tiktok|instagram|youtube)_/;

describe('clickhouse/landing-rows', () => {
  const columns = migrationColumns();

  for (const schema of Object.keys(LANDING_TABLES) as LandedSchemaName[]) {
    const table = LANDING_TABLES[schema];
    for (const { example, record } of goldenRecords(schema)) {
      it(`${table} ← ${EXAMPLE_DIRS[schema]}/${example}: every value has a column, every column without a default a value`, () => {
        const { table: target, row } = landingRow(schema, record, LINEAGE);
        assert.equal(target, table);
        const tableColumns = columns.get(table);
        assert.ok(tableColumns, `no CREATE TABLE for ${table} in the migrations`);
        const names = new Set(tableColumns.map((column) => column.name));
        for (const key of Object.keys(row)) assert.ok(names.has(key), `${key} has no column in ${table}`);
        const platform = String(record.envelope.platform).toLowerCase();
        for (const column of tableColumns) {
          if (column.hasDefault || column.name in row) continue;
          // Other platforms' extension slots are unset: their columns take their defaults.
          assert.ok(PLATFORM_PREFIX.test(column.name) && !column.name.startsWith(`${platform}_`), `${column.name} missing from the row`);
        }
        assert.equal(row.event_id, record.envelope.event_id);
        assert.equal(row.source_offset, '9007199254740993', 'offsets keep every digit');
        assert.match(String(row.collected_at), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      });
    }
  }

  it('names the entity column after the entity and flattens author, period and extensions', () => {
    const tiktok = { record: goldenRecord('io.tributary.social.Post', 'tiktok-video') };
    const { row } = landingRow('io.tributary.social.Post', tiktok.record, LINEAGE);
    assert.equal(row.post_id, tiktok.record.envelope.entity_id);
    assert.equal(row.author_username, tiktok.record.author.username);
    assert.equal(row.tiktok_share_url, tiktok.record.extensions.tiktok?.share_url);
    assert.equal(row.collector, 'source-tiktok');
    assert.equal(row.api_endpoint, tiktok.record.envelope.lineage.endpoint);
    assert.equal(row.trace_id, traceIdOf(tiktok.record.envelope.traceparent));
    assert.ok(!('instagram_shortcode' in row));

    const [daily] = goldenRecords('io.tributary.social.PostMetricsSnapshot').filter(({ record }) => record.period !== null);
    assert.ok(daily);
    const metrics = landingRow('io.tributary.social.PostMetricsSnapshot', daily.record, LINEAGE).row;
    assert.equal(metrics.period_start, toDateTime64(daily.record.period!.start, 'start'));
  });

  it('a new field in an extension record reaches its <platform>_<field> column without code changes', () => {
    const record = structuredClone(goldenRecord('io.tributary.social.Post', 'tiktok-video')) as Post & {
      extensions: { tiktok: Record<string, unknown> };
    };
    record.extensions.tiktok.is_ad = true;
    assert.equal(landingRow('io.tributary.social.Post', record, LINEAGE).row.tiktok_is_ad, true);
  });

  it('prefers the handling span trace id and falls back to the envelope traceparent', () => {
    const [post] = goldenRecords('io.tributary.social.Post');
    assert.equal(
      landingRow('io.tributary.social.Post', post!.record, { ...LINEAGE, traceId: 'a'.repeat(32) }).row.trace_id,
      'a'.repeat(32),
    );
    assert.equal(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01'), '');
    assert.equal(traceIdOf('garbage'), '');
    assert.equal(traceIdOf(null), '');
  });

  it('formats DateTime64(3) in UTC and refuses timestamps outside 1900-2299 as data errors', () => {
    assert.equal(toDateTime64(Date.UTC(2026, 10, 23, 10, 0, 2, 120), 'x'), '2026-11-23 10:00:02.120');
    assert.equal(toDateTime64(Date.UTC(1900, 0, 1), 'x'), '1900-01-01 00:00:00.000');
    assert.equal(toDateTime64(Date.UTC(2299, 11, 31, 23, 59, 59, 999), 'x'), '2299-12-31 23:59:59.999');
    for (const bad of [Date.UTC(1899, 11, 31, 23, 59, 59, 999), Date.UTC(2300, 0, 1), 1.7e15, Number.NaN]) {
      assert.throws(
        () => toDateTime64(bad, 'envelope.observed_at'),
        (error: unknown) =>
          isTributaryError(error) && error.code === 'CLICKHOUSE_TIMESTAMP_OUT_OF_RANGE' && error.failureType === 'data' && !error.retryable,
      );
    }
  });

  it('refuses collection times that look like epoch seconds (a 1970 date) as data errors', () => {
    const seconds = Math.floor(Date.UTC(2026, 10, 23) / 1000); // 1795…: January 1970 when read as ms
    assert.throws(
      () => toCollectionTime(seconds, 'envelope.collected_at'),
      (error: unknown) => isTributaryError(error) && error.code === 'CLICKHOUSE_TIMESTAMP_IMPLAUSIBLE' && error.failureType === 'data',
    );
    assert.equal(toCollectionTime(Date.UTC(2026, 10, 23), 'envelope.collected_at'), '2026-11-23 00:00:00.000');
  });
});
