// The migration runner: applies schemas/clickhouse/migrations in version order to one database,
// records each applied file with its checksum in <database>.tributary_migrations, refuses to run
// when an applied file has changed, then brings table TTLs in line with configuration.
//
// Concurrency (two sinks starting at once, a sink and `tributary migrate`): there is no lock.
// ClickHouse has no compare-and-set without Keeper, and chDB has no Keeper, so a lock row could not
// be made safe. Instead every statement is idempotent (the lint in migration-files.ts enforces it)
// and each run applies all pending migrations in order, so two runs that overlap both end with
// every migration applied, and the second one's statements are no-ops. The bookkeeping row is
// inserted with a deduplication token per version and checksum, so overlapping runs record it
// once. A run killed half-way through a migration re-applies that whole migration next time.
// Decision record: docs/adr/0014.
import { hostname } from 'node:os';
import { ClickHouseError } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { ConfigError, TributaryError } from '@tributary/errors';
import { assertDatabaseName, bindDatabase, loadMigrations, MIGRATIONS_DIRECTORY } from './migration-files.ts';
import type { Migration } from './migration-files.ts';
import { applyRetention } from './retention.ts';
import type { RetentionChange } from './retention.ts';
import type { ClickHouseRetentionSettings } from './spec.ts';

export const MIGRATIONS_TABLE = 'tributary_migrations';

/** What the bookkeeping table holds for one version. Overlapping runs of different files could record two checksums. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksums: string[];
  appliedAt: string;
}

export interface MigrationPlan {
  /** Known migrations already applied (checksums match). */
  applied: { migration: Migration; appliedAt: string }[];
  /** Known migrations not applied yet, in order. */
  pending: Migration[];
  /** Applied versions newer than every known file: a newer release migrated this database. */
  future: AppliedMigration[];
}

/** Minimal logger (pino's Logger fits). */
export interface MigrationLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface MigrateOptions {
  /** The database that holds Tributary's tables (clickhouse.database); created if missing. */
  database: string;
  /** Where the migration files are; default schemas/clickhouse/migrations. */
  directory?: string;
  /** Already loaded migrations (instead of reading `directory`). */
  migrations?: Migration[];
  /** Report what would be applied and altered; change nothing (not even create the database). */
  dryRun?: boolean;
  /** Table TTLs to apply after the migrations; leave undefined to not touch TTLs. */
  retention?: ClickHouseRetentionSettings;
  /** Recorded in tributary_migrations.applied_by; default host:pid. */
  appliedBy?: string;
  logger?: MigrationLogger;
}

export interface MigrationSummary {
  version: number;
  name: string;
  file: string;
  statements: number;
}

export interface MigrationReport {
  database: string;
  dryRun: boolean;
  /** Applied by this run (empty on a dry run). */
  applied: (MigrationSummary & { durationMs: number })[];
  /** On a dry run: what a real run would apply. Otherwise empty. */
  pending: MigrationSummary[];
  /** Applied before this run. */
  alreadyApplied: (MigrationSummary & { appliedAt: string })[];
  /** Applied by a newer release; this release does not know them. */
  future: { version: number; name: string; appliedAt: string }[];
  /** TTL per table (empty when no retention settings were given). */
  retention: RetentionChange[];
}

const pad = (version: number): string => String(version).padStart(4, '0');
const summary = (migration: Migration): MigrationSummary => ({
  version: migration.version,
  name: migration.name,
  file: migration.file,
  statements: migration.statements.length,
});

/**
 * Compares the files with what the database recorded. Throws MIGRATION_CHECKSUM_MISMATCH when an
 * applied file changed, MIGRATION_FILE_MISSING when an applied version has no file but newer
 * files exist, MIGRATION_OUT_OF_ORDER when a new file sorts before an applied one.
 */
export function planMigrations(migrations: readonly Migration[], recorded: readonly AppliedMigration[], database: string): MigrationPlan {
  const byVersion = new Map(migrations.map((migration) => [migration.version, migration]));
  const recordedVersions = new Map(recorded.map((entry) => [entry.version, entry]));
  const newestKnown = migrations.at(-1)?.version ?? 0;

  const changed = recorded.filter((entry) => {
    const file = byVersion.get(entry.version);
    return file !== undefined && (entry.checksums.length !== 1 || entry.checksums[0] !== file.checksum);
  });
  if (changed.length > 0) {
    const lines = changed.map((entry) => {
      const file = byVersion.get(entry.version) as Migration;
      return `${file.file}: applied with checksum ${entry.checksums.map((c) => c.slice(0, 12)).join(' and ')}, file now ${file.checksum.slice(0, 12)}`;
    });
    throw new ConfigError(
      'MIGRATION_CHECKSUM_MISMATCH',
      `Applied migration${changed.length > 1 ? 's were' : ' was'} changed after being applied to database ${database}:\n  ${lines.join('\n  ')}`,
      {
        hint: `Applied migrations are immutable. Restore the file from version control (git log -p -- schemas/clickhouse/migrations/${(byVersion.get(changed[0]!.version) as Migration).file}) and put the change in a new migration, ${pad(newestKnown + 1)}_<name>.sql.`,
        details: { database, versions: changed.map((entry) => entry.version) },
      },
    );
  }

  const missing = recorded.filter((entry) => !byVersion.has(entry.version) && entry.version < newestKnown);
  if (missing.length > 0) {
    throw new ConfigError(
      'MIGRATION_FILE_MISSING',
      `Database ${database} recorded migration${missing.length > 1 ? 's' : ''} ${missing.map((entry) => `${pad(entry.version)}_${entry.name}`).join(', ')}, but no such file exists.`,
      {
        hint: 'Migration files are never deleted or renumbered once applied: restore the file from version control.',
        details: { database, versions: missing.map((entry) => entry.version) },
      },
    );
  }

  const newestApplied = recorded.reduce((max, entry) => Math.max(max, entry.version), 0);
  const pending = migrations.filter((migration) => !recordedVersions.has(migration.version));
  const late = pending.filter((migration) => migration.version < newestApplied);
  if (late.length > 0) {
    throw new ConfigError(
      'MIGRATION_OUT_OF_ORDER',
      `Migration${late.length > 1 ? 's' : ''} ${late.map((migration) => migration.file).join(', ')} sort${late.length > 1 ? '' : 's'} before ${pad(newestApplied)}, which database ${database} already applied.`,
      {
        hint: `Migrations apply in version order only. Renumber the new file${late.length > 1 ? 's' : ''} after the newest one (${pad(Math.max(newestApplied, newestKnown) + 1)} and up).`,
        details: { database, versions: late.map((migration) => migration.version) },
      },
    );
  }

  return {
    applied: migrations
      .filter((migration) => recordedVersions.has(migration.version))
      .map((migration) => ({ migration, appliedAt: recordedVersions.get(migration.version)!.appliedAt })),
    pending,
    future: recorded.filter((entry) => entry.version > newestKnown),
  };
}

/** Applies pending migrations and configured TTLs to `options.database`. Safe to run concurrently and repeatedly. */
export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrationReport> {
  const database = assertDatabaseName(options.database);
  const migrations = options.migrations ?? loadMigrations(options.directory ?? MIGRATIONS_DIRECTORY);
  const dryRun = options.dryRun === true;

  const recorded = (await bookkeepingExists(client, database)) ? await readAppliedMigrations(client, database) : [];
  const plan = planMigrations(migrations, recorded, database);
  const report: MigrationReport = {
    database,
    dryRun,
    applied: [],
    pending: dryRun ? plan.pending.map(summary) : [],
    alreadyApplied: plan.applied.map(({ migration, appliedAt }) => ({ ...summary(migration), appliedAt })),
    future: plan.future.map(({ version, name, appliedAt }) => ({ version, name, appliedAt })),
    retention: [],
  };
  if (plan.future.length > 0) {
    options.logger?.warn(
      { database, versions: plan.future.map((entry) => entry.version) },
      'Database has migrations newer than this release; continuing (migrations only add).',
    );
  }

  if (!dryRun) {
    await run(client, `CREATE DATABASE IF NOT EXISTS ${database}`, { database });
    await run(client, bookkeepingStatement(database), { database });
    const appliedBy = options.appliedBy ?? `${hostname()}:${process.pid}`;
    for (const migration of plan.pending) {
      const started = performance.now();
      for (const [index, statement] of migration.statements.entries()) {
        await run(client, bindDatabase(statement, database), { database, file: migration.file, statement: index + 1 });
      }
      const durationMs = Math.round(performance.now() - started);
      await recordMigration(client, database, migration, appliedBy, durationMs);
      report.applied.push({ ...summary(migration), durationMs });
      options.logger?.info(
        { database, migration: migration.file, statements: migration.statements.length, durationMs },
        'Migration applied.',
      );
    }
  }

  if (options.retention) {
    report.retention = await guard(() => applyRetention(client, database, options.retention!, { dryRun }), { database, step: 'retention' });
    const altered = report.retention.filter((change) => change.action === 'set' || change.action === 'remove');
    if (!dryRun && altered.length > 0) {
      options.logger?.info({ database, tables: altered.map((change) => `${change.table}: ${change.to || 'none'}`) }, 'Table TTLs changed.');
    }
  }
  return report;
}

/** The bookkeeping table: one row per applied version (deduplicated by token across overlapping runs). */
export function bookkeepingStatement(database: string): string {
  assertDatabaseName(database);
  return `CREATE TABLE IF NOT EXISTS ${database}.${MIGRATIONS_TABLE}
(
    version UInt32,
    name String,
    checksum String,
    statements UInt32,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3),
    applied_by String,
    duration_ms UInt64
)
ENGINE = MergeTree
ORDER BY version
SETTINGS non_replicated_deduplication_window = 1000`;
}

async function bookkeepingExists(client: ClickHouseClient, database: string): Promise<boolean> {
  const rows = await guard(
    async () =>
      (
        await client.query({
          query: 'SELECT count() AS n FROM system.tables WHERE database = {database:String} AND name = {table:String}',
          query_params: { database, table: MIGRATIONS_TABLE },
          format: 'JSONEachRow',
        })
      ).json<{ n: string | number }>(),
    { database, step: 'read' },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** What the database recorded, one entry per version, in order. */
export async function readAppliedMigrations(client: ClickHouseClient, database: string): Promise<AppliedMigration[]> {
  const rows = await guard(
    async () =>
      (
        await client.query({
          query: `SELECT version, any(name) AS name, groupUniqArray(checksum) AS checksums, toString(min(applied_at)) AS applied_at
                  FROM {database:Identifier}.{table:Identifier} GROUP BY version ORDER BY version`,
          query_params: { database, table: MIGRATIONS_TABLE },
          format: 'JSONEachRow',
        })
      ).json<{ version: number | string; name: string; checksums: string[]; applied_at: string }>(),
    { database, step: 'read' },
  );
  return rows.map((row) => ({
    version: Number(row.version),
    name: row.name,
    checksums: [...row.checksums].sort(),
    appliedAt: row.applied_at,
  }));
}

async function recordMigration(
  client: ClickHouseClient,
  database: string,
  migration: Migration,
  appliedBy: string,
  durationMs: number,
): Promise<void> {
  await guard(
    () =>
      client.insert({
        table: `${database}.${MIGRATIONS_TABLE}`,
        format: 'JSONEachRow',
        values: [
          {
            version: migration.version,
            name: migration.name,
            checksum: migration.checksum,
            statements: migration.statements.length,
            applied_by: appliedBy,
            duration_ms: durationMs,
          },
        ],
        // Overlapping runs record a version once: same token, second insert is a no-op.
        clickhouse_settings: { insert_deduplication_token: `${MIGRATIONS_TABLE}:${migration.version}:${migration.checksum}` },
      }),
    { database, file: migration.file, step: 'record' },
  );
}

async function run(client: ClickHouseClient, query: string, context: Record<string, unknown>): Promise<void> {
  await guard(() => client.command({ query }), context);
}

/** Turns ClickHouse and network failures into Tributary errors that say what to do. */
async function guard<T>(action: () => Promise<T>, context: Record<string, unknown>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof TributaryError) throw error;
    if (error instanceof ClickHouseError) {
      if (error.code === '81') {
        throw new ConfigError('CLICKHOUSE_DATABASE_UNREACHABLE', `ClickHouse refused the connection's database: ${error.message}`, {
          cause: error,
          hint: "Connect through a database that exists: createClickHouseClient({ ...settings, database: 'default' }) (what `tributary migrate` does); the runner creates the target database itself.",
          details: context,
        });
      }
      const where = context.file ? ` in ${String(context.file)}${context.statement ? `, statement ${String(context.statement)}` : ''}` : '';
      throw new TributaryError('MIGRATION_STATEMENT_FAILED', `ClickHouse rejected a migration step${where}: ${error.message}`, {
        failureType: 'system',
        retryable: false,
        cause: error,
        hint: 'Fix the migration (it has not been recorded as applied), or the ClickHouse permissions it needs, and run `tributary migrate` again.',
        details: { ...context, clickhouseCode: error.code, clickhouseType: error.type },
      });
    }
    throw new TributaryError('CLICKHOUSE_UNREACHABLE', `ClickHouse did not answer during migrations: ${(error as Error).message}`, {
      failureType: 'transient',
      cause: error,
      hint: 'Check clickhouse.url and that ClickHouse is running (`tributary stack status` for the local stack); running again is safe.',
      details: context,
    });
  }
}
