// Table TTLs from configuration. Every MergeTree-family table the migrations create belongs to one
// retention class and expires by one time column; the runner compares each table's current TTL
// (system.tables.engine_full) with the configured one and alters only the tables that differ.
// Migrations never set TTL themselves (the statement lint refuses MODIFY TTL).
import type { ClickHouseClient } from '@clickhouse/client';
import { ConfigError } from '@tributary/errors';
import { assertDatabaseName } from './migration-files.ts';
import { MAX_RETENTION_DAYS, RETENTION_SETTING } from './spec.ts';
import type { ClickHouseRetentionSettings, RetentionClass } from './spec.ts';

export interface RetentionRule {
  table: string;
  retentionClass: RetentionClass;
  /** The time column rows expire by: the table's partition column where it has one. */
  column: string;
}

/** Every table with a TTL, its class and time column. A test keeps this in step with the migrations. */
export const TABLE_RETENTION: readonly RetentionRule[] = [
  { table: 'landing_posts', retentionClass: 'landing', column: 'collected_at' },
  { table: 'landing_post_metrics', retentionClass: 'landing', column: 'observed_at' },
  { table: 'landing_account_metrics', retentionClass: 'landing', column: 'observed_at' },
  { table: 'landing_comments', retentionClass: 'landing', column: 'collected_at' },
  { table: 'landing_deletions', retentionClass: 'landing', column: 'collected_at' },
  { table: 'post_metrics', retentionClass: 'snapshots', column: 'snapshot_bucket' },
  { table: 'account_metrics', retentionClass: 'snapshots', column: 'snapshot_bucket' },
  { table: 'posts', retentionClass: 'entities', column: 'collected_at' },
  { table: 'comments', retentionClass: 'entities', column: 'collected_at' },
  { table: 'accounts', retentionClass: 'entities', column: 'collected_at' },
  { table: 'deletions', retentionClass: 'entities', column: 'collected_at' },
  { table: 'post_metrics_latest', retentionClass: 'entities', column: 'observed_at' },
  { table: 'account_metrics_latest', retentionClass: 'entities', column: 'observed_at' },
  { table: 'engagement_hourly', retentionClass: 'aggregates', column: 'hour' },
  { table: 'quarantine', retentionClass: 'quarantine', column: 'failed_at' },
];

/** Tables that are never given a TTL. */
export const TABLES_WITHOUT_RETENTION: readonly string[] = ['tributary_migrations'];

/** The TTL expression as ClickHouse prints it in engine_full, so an unchanged TTL compares equal. */
export function ttlExpression(column: string, days: number): string {
  return `toDateTime(${column}) + toIntervalDay(${days})`;
}

/** The TTL clause of a table's engine_full, or '' when it has none. */
export function currentTtl(engineFull: string): string {
  const match = / TTL (.+?)(?: SETTINGS |$)/.exec(engineFull);
  return match?.[1]?.trim() ?? '';
}

/** absent: the table does not exist (yet) — nothing to alter. */
export type RetentionAction = 'set' | 'remove' | 'unchanged' | 'absent';

export interface RetentionChange {
  table: string;
  retentionClass: RetentionClass;
  days: number;
  /** TTL before ('' for none). */
  from: string;
  /** TTL wanted ('' for none). */
  to: string;
  action: RetentionAction;
}

export function retentionDays(settings: ClickHouseRetentionSettings, retentionClass: RetentionClass): number {
  const key = RETENTION_SETTING[retentionClass];
  const days = settings[key];
  if (!Number.isSafeInteger(days) || days < 0 || days > MAX_RETENTION_DAYS) {
    throw new ConfigError(
      'CLICKHOUSE_RETENTION_INVALID',
      `clickhouse.retention.${key} must be 0 to ${MAX_RETENTION_DAYS} days, got ${days}.`,
      {
        hint: '0 keeps rows forever.',
      },
    );
  }
  return days;
}

/**
 * What to change so each table's TTL matches the settings. `engines` maps table name to its
 * engine_full; tables missing from it are reported as absent.
 */
export function planRetention(engines: ReadonlyMap<string, string>, settings: ClickHouseRetentionSettings): RetentionChange[] {
  return TABLE_RETENTION.map((rule) => {
    const days = retentionDays(settings, rule.retentionClass);
    const engine = engines.get(rule.table);
    const from = currentTtl(engine ?? '');
    const to = days === 0 ? '' : ttlExpression(rule.column, days);
    const action: RetentionAction = engine === undefined ? 'absent' : from === to ? 'unchanged' : to === '' ? 'remove' : 'set';
    return { table: rule.table, retentionClass: rule.retentionClass, days, from, to, action };
  });
}

/** The ALTER statement for a change; table and column come from TABLE_RETENTION, days is a validated integer. */
export function retentionStatement(database: string, change: RetentionChange): string | undefined {
  assertDatabaseName(database);
  if (change.action === 'set') return `ALTER TABLE ${database}.${change.table} MODIFY TTL ${change.to}`;
  if (change.action === 'remove') return `ALTER TABLE ${database}.${change.table} REMOVE TTL`;
  return undefined;
}

/** engine_full of every table in the database. */
export async function readTableEngines(client: ClickHouseClient, database: string): Promise<Map<string, string>> {
  const result = await client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = {database:String}',
    query_params: { database },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ name: string; engine_full: string }>();
  return new Map(rows.map((row) => [row.name, row.engine_full]));
}

/** Brings every table's TTL in line with the settings; with dryRun only reports. Idempotent. */
export async function applyRetention(
  client: ClickHouseClient,
  database: string,
  settings: ClickHouseRetentionSettings,
  options: { dryRun?: boolean } = {},
): Promise<RetentionChange[]> {
  assertDatabaseName(database);
  const changes = planRetention(await readTableEngines(client, database), settings);
  if (options.dryRun) return changes;
  for (const change of changes) {
    const statement = retentionStatement(database, change);
    if (statement) await client.command({ query: statement });
  }
  return changes;
}
