import assert from 'node:assert/strict';
import { loadConfig } from '@tributary/config';
import { isTributaryError } from '@tributary/errors';
import { currentTtl, planRetention, retentionStatement, TABLE_RETENTION, ttlExpression } from '../src/retention.ts';
import { clickhouseRetentionSchema, RETENTION_CLASSES } from '../src/spec.ts';
import type { ClickHouseRetentionSettings } from '../src/spec.ts';

const forever: ClickHouseRetentionSettings = { landingDays: 0, snapshotsDays: 0, entitiesDays: 0, aggregatesDays: 0, quarantineDays: 0 };

describe('clickhouse/retention', () => {
  it('reads the settings from the environment, 0 meaning forever', () => {
    const { values } = loadConfig<ClickHouseRetentionSettings>(clickhouseRetentionSchema, {
      env: { TRIBUTARY_CLICKHOUSE_RETENTION_LANDING_DAYS: '7', TRIBUTARY_CLICKHOUSE_RETENTION_QUARANTINE_DAYS: '0' },
      files: [],
    });
    assert.deepEqual(values, { landingDays: 7, snapshotsDays: 0, entitiesDays: 0, aggregatesDays: 0, quarantineDays: 0 });
  });

  it('refuses negative and non-numeric days at boot', () => {
    for (const value of ['-1', 'soon']) {
      assert.throws(
        () => loadConfig(clickhouseRetentionSchema, { env: { TRIBUTARY_CLICKHOUSE_RETENTION_LANDING_DAYS: value }, files: [] }),
        (error: unknown) => isTributaryError(error) && error.code === 'CONFIG_INVALID',
        value,
      );
    }
  });

  it('covers every class with at least one table and names each table once', () => {
    for (const retentionClass of RETENTION_CLASSES)
      assert.ok(
        TABLE_RETENTION.some((rule) => rule.retentionClass === retentionClass),
        retentionClass,
      );
    assert.equal(new Set(TABLE_RETENTION.map((rule) => rule.table)).size, TABLE_RETENTION.length);
  });

  it('reads the TTL clause out of engine_full as ClickHouse prints it', () => {
    assert.equal(
      currentTtl(
        'MergeTree PARTITION BY toYYYYMM(collected_at) ORDER BY (platform, post_id) TTL toDateTime(collected_at) + toIntervalDay(30) SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 8192',
      ),
      'toDateTime(collected_at) + toIntervalDay(30)',
    );
    assert.equal(currentTtl('MergeTree ORDER BY x TTL toDateTime(t) + toIntervalDay(5)'), 'toDateTime(t) + toIntervalDay(5)');
    assert.equal(
      currentTtl('ReplacingMergeTree(collected_at, is_deleted) ORDER BY (platform, ttl_column) SETTINGS index_granularity = 8192'),
      '',
    );
    assert.equal(currentTtl(''), '');
  });

  it('plans set, remove, unchanged and absent, and only alters what differs', () => {
    const engines = new Map([
      ['landing_posts', 'MergeTree ORDER BY x SETTINGS index_granularity = 8192'],
      ['landing_post_metrics', `MergeTree ORDER BY x TTL ${ttlExpression('observed_at', 30)} SETTINGS index_granularity = 8192`],
      ['quarantine', `MergeTree ORDER BY x TTL ${ttlExpression('failed_at', 30)} SETTINGS index_granularity = 8192`],
      ['posts', 'ReplacingMergeTree(collected_at, is_deleted) ORDER BY (platform, post_id) SETTINGS index_granularity = 8192'],
    ]);
    const plan = planRetention(engines, { ...forever, landingDays: 30 });
    const byTable = new Map(plan.map((change) => [change.table, change]));
    assert.equal(byTable.get('landing_posts')?.action, 'set');
    assert.equal(byTable.get('landing_posts')?.to, 'toDateTime(collected_at) + toIntervalDay(30)');
    assert.equal(byTable.get('landing_post_metrics')?.action, 'unchanged');
    assert.equal(byTable.get('quarantine')?.action, 'remove');
    assert.equal(byTable.get('posts')?.action, 'unchanged');
    assert.equal(byTable.get('comments')?.action, 'absent');

    assert.equal(
      retentionStatement('db', byTable.get('landing_posts')!),
      'ALTER TABLE db.landing_posts MODIFY TTL toDateTime(collected_at) + toIntervalDay(30)',
    );
    assert.equal(retentionStatement('db', byTable.get('quarantine')!), 'ALTER TABLE db.quarantine REMOVE TTL');
    assert.equal(retentionStatement('db', byTable.get('posts')!), undefined);
  });

  it('refuses out-of-range days given directly (not through configuration)', () => {
    assert.throws(
      () => planRetention(new Map(), { ...forever, entitiesDays: 1e9 }),
      (error: unknown) => isTributaryError(error) && error.code === 'CLICKHOUSE_RETENTION_INVALID',
    );
  });
});
