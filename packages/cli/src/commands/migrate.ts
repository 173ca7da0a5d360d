// tributary migrate [--dry-run] — apply schemas/clickhouse/migrations to the configured ClickHouse
// database (clickhouse.database, created if missing) and set each table's TTL from
// clickhouse.retention.*. Safe to run again and concurrently with a sink starting up: the second
// run is a no-op (docs/adr/0014). --dry-run lists what would be applied and altered.
import type { Command } from 'commander';
import { createClickHouseClient, migrate } from '@tributary/clickhouse';
import type { MigrationReport } from '@tributary/clickhouse';
import { createContext } from '../context.ts';
import type { CliContext, CliSettings, GlobalOptions } from '../context.ts';
import type { Logger } from '@tributary/telemetry';
import { printJson, printStep, printTable } from '../output.ts';

export interface MigrateCommandOptions {
  dryRun?: boolean;
  directory?: string;
}

/**
 * Applies the migrations and retention to `clickhouse.database`. Connects through the default
 * database: the target database may not exist yet, and the runner names it in every statement.
 * The caller reports what was applied; only warnings go to the log.
 */
export async function runMigrations(
  clickhouse: CliSettings['clickhouse'],
  logger: Logger,
  options: MigrateCommandOptions = {},
): Promise<MigrationReport> {
  const client = createClickHouseClient({ ...clickhouse, database: 'default' }, 'tributary-migrate');
  try {
    return await migrate(client, {
      database: clickhouse.database,
      retention: clickhouse.retention,
      dryRun: options.dryRun === true,
      ...(options.directory ? { directory: options.directory } : {}),
      logger: { info: () => undefined, warn: (details, message) => logger.warn(details, message) },
    });
  } finally {
    await client.close();
  }
}

export async function migrateCommand(context: CliContext, options: GlobalOptions & MigrateCommandOptions): Promise<MigrationReport> {
  const report = await runMigrations(context.config.values.clickhouse, context.logger, options);
  if (options.json) printJson(report);
  else printReport(report);
  return report;
}

function printReport(report: MigrationReport): void {
  const rows = [
    ...report.alreadyApplied.map((m) => ({
      version: pad(m.version),
      name: m.name,
      state: 'applied',
      statements: m.statements,
      when: m.appliedAt,
    })),
    ...report.applied.map((m) => ({
      version: pad(m.version),
      name: m.name,
      state: 'applied now',
      statements: m.statements,
      when: `${m.durationMs} ms`,
    })),
    ...report.pending.map((m) => ({ version: pad(m.version), name: m.name, state: 'pending', statements: m.statements, when: '' })),
    ...report.future.map((m) => ({
      version: pad(m.version),
      name: m.name,
      state: 'newer than this release',
      statements: '',
      when: m.appliedAt,
    })),
  ].sort((a, b) => a.version.localeCompare(b.version));
  process.stdout.write(`Database ${report.database}:\n`);
  printTable(rows, ['version', 'name', 'state', 'statements', 'when']);

  // Tables not created yet (dry run) get their TTL right after the migrations that create them.
  const altered = report.retention.filter((change) => change.action === 'set' || change.action === 'remove');
  const later = report.retention.filter((change) => change.action === 'absent' && change.to !== '');
  if (altered.length + later.length > 0) {
    process.stdout.write('\nRetention (clickhouse.retention.*):\n');
    printTable(
      [...altered, ...later].map((change) => ({
        table: change.table,
        class: change.retentionClass,
        days: change.days === 0 ? 'forever' : change.days,
        ttl: change.to || '(none)',
        change: change.action === 'absent' ? 'set once created' : report.dryRun ? `would ${change.action}` : change.action,
      })),
      ['table', 'class', 'days', 'ttl', 'change'],
    );
  }

  if (report.dryRun) {
    const pending = report.pending.length + altered.length + later.length;
    process.stdout.write(pending > 0 ? 'Dry run: nothing was changed.\n' : 'Dry run: the database is up to date.\n');
  } else if (report.applied.length === 0 && altered.length === 0) {
    printStep(`nothing to do: ${report.alreadyApplied.length} migrations applied, TTLs as configured`);
  } else {
    printStep(
      `applied ${report.applied.length} migration${report.applied.length === 1 ? '' : 's'}, changed ${altered.length} TTL${altered.length === 1 ? '' : 's'}`,
    );
  }
}

const pad = (version: number): string => String(version).padStart(4, '0');

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply schemas/clickhouse migrations and configured TTLs to clickhouse.database; a second run changes nothing')
    .option('--dry-run', 'list pending migrations and TTL changes without applying them')
    .option('--directory <dir>', 'a different migrations directory (default: schemas/clickhouse/migrations)')
    .action(async (options: MigrateCommandOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await migrateCommand(createContext(globals), { ...globals, ...options });
    });
}
