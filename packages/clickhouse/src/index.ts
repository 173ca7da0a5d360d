export { createClickHouseClient, HOUSE_SETTINGS } from './client.ts';
export type { ClickHouseClient } from './client.ts';
export {
  DATABASE_NAME_PATTERN,
  MIGRATION_FILE_PATTERN,
  MIGRATIONS_DIRECTORY,
  assertDatabaseName,
  bindDatabase,
  loadMigrations,
  migrationChecksum,
  orderMigrations,
  parseMigration,
  parseMigrationFileName,
  splitStatements,
  statementProblem,
} from './migration-files.ts';
export type { Migration } from './migration-files.ts';
export { MIGRATIONS_TABLE, bookkeepingStatement, migrate, planMigrations, readAppliedMigrations } from './migrations.ts';
export type { AppliedMigration, MigrateOptions, MigrationLogger, MigrationPlan, MigrationReport, MigrationSummary } from './migrations.ts';
export {
  TABLE_RETENTION,
  TABLES_WITHOUT_RETENTION,
  applyRetention,
  currentTtl,
  planRetention,
  readTableEngines,
  retentionStatement,
  ttlExpression,
} from './retention.ts';
export type { RetentionAction, RetentionChange, RetentionRule } from './retention.ts';
export { MAX_RETENTION_DAYS, RETENTION_CLASSES, RETENTION_SETTING, clickhouseRetentionSchema } from './spec.ts';
export type { ClickHouseRetentionSettings, RetentionClass } from './spec.ts';
export {
  LANDING_TABLES,
  accountMetricsRow,
  commentRow,
  deletionRow,
  extensionColumns,
  landingRow,
  postMetricsRow,
  postRow,
  toCollectionTime,
  toDateTime64,
  traceIdOf,
} from './landing-rows.ts';
export type { LandedSchemaName, LandingRow, LandingTable, RecordLineage } from './landing-rows.ts';
export { QUARANTINE_INSERT_COLUMNS, QUARANTINE_TABLE, quarantineRow } from './quarantine-rows.ts';
export type { FailedRecordFacts } from './quarantine-rows.ts';
