// Retention of Tributary's ClickHouse tables, declared once. A service (or the CLI) mounts it under
// its clickhouse settings: { clickhouse: { ...clickhouseSchema, retention: clickhouseRetentionSchema } },
// so the keys read clickhouse.retention.landingDays etc. The migration runner turns the values
// into each table's TTL (ALTER TABLE … MODIFY TTL / REMOVE TTL) after the migrations.
import type convict from 'convict';

export const RETENTION_CLASSES = ['landing', 'snapshots', 'entities', 'aggregates', 'quarantine'] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/** Days to keep rows per table class; 0 keeps them forever (no TTL). */
export interface ClickHouseRetentionSettings {
  landingDays: number;
  snapshotsDays: number;
  entitiesDays: number;
  aggregatesDays: number;
  quarantineDays: number;
}

/** The settings key of each class. */
export const RETENTION_SETTING: { readonly [Class in RetentionClass]: keyof ClickHouseRetentionSettings } = {
  landing: 'landingDays',
  snapshots: 'snapshotsDays',
  entities: 'entitiesDays',
  aggregates: 'aggregatesDays',
  quarantine: 'quarantineDays',
};

/** Longest retention accepted: 100 years. */
export const MAX_RETENTION_DAYS = 36_500;

function days(doc: string, fallback: number, env: string): convict.SchemaObj<number> {
  return {
    doc: `${doc} Days, by the table's time column; 0 keeps rows forever. Applied as TTL by \`tributary migrate\` and at sink start.`,
    format: 'nat',
    default: fallback,
    env,
  };
}

export const clickhouseRetentionSchema: convict.Schema<ClickHouseRetentionSettings> = {
  landingDays: days(
    'Landing tables (landing_*: every Kafka record with its lineage, by collected_at or observed_at).',
    30,
    'TRIBUTARY_CLICKHOUSE_RETENTION_LANDING_DAYS',
  ),
  snapshotsDays: days(
    'Metric time series (post_metrics, account_metrics, by snapshot_bucket).',
    0,
    'TRIBUTARY_CLICKHOUSE_RETENTION_SNAPSHOTS_DAYS',
  ),
  entitiesDays: days(
    'Entities and latest views (posts, comments, accounts, deletions by collected_at; *_latest by observed_at).',
    0,
    'TRIBUTARY_CLICKHOUSE_RETENTION_ENTITIES_DAYS',
  ),
  aggregatesDays: days('Aggregates (engagement_hourly, by hour).', 0, 'TRIBUTARY_CLICKHOUSE_RETENTION_AGGREGATES_DAYS'),
  quarantineDays: days(
    'Quarantine (records that failed quality rules or processing, with their original bytes; by failed_at).',
    30,
    'TRIBUTARY_CLICKHOUSE_RETENTION_QUARANTINE_DAYS',
  ),
};
