import assert from 'node:assert/strict';
import { isTributaryError } from '@tributary/errors';
import { parseMigration } from '../src/migration-files.ts';
import type { Migration } from '../src/migration-files.ts';
import { bookkeepingStatement, planMigrations } from '../src/migrations.ts';
import type { AppliedMigration } from '../src/migrations.ts';

const file = (version: number, name: string, table = name): Migration =>
  parseMigration(
    `${String(version).padStart(4, '0')}_${name}.sql`,
    `CREATE TABLE IF NOT EXISTS \${database}.${table} (x UInt8) ENGINE = MergeTree ORDER BY x;`,
  );

const applied = (migration: Migration, checksums = [migration.checksum]): AppliedMigration => ({
  version: migration.version,
  name: migration.name,
  checksums,
  appliedAt: '2026-11-23 10:00:00.000',
});

function refuses(code: string, run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isTributaryError(error), String(error));
    assert.equal(error.code, code);
    assert.equal(error.failureType, 'config');
    assert.equal(error.retryable, false);
    assert.match(`${error.message}\n${error.hint ?? ''}`, pattern);
    return true;
  });
}

describe('clickhouse/migrations plan', () => {
  const one = file(1, 'one');
  const two = file(2, 'two');
  const three = file(3, 'three');

  it('everything is pending on an empty database', () => {
    const plan = planMigrations([one, two, three], [], 'db');
    assert.deepEqual(
      plan.pending.map((m) => m.version),
      [1, 2, 3],
    );
    assert.deepEqual(plan.applied, []);
    assert.deepEqual(plan.future, []);
  });

  it('only the newer files are pending once some are applied', () => {
    const plan = planMigrations([one, two, three], [applied(one), applied(two)], 'db');
    assert.deepEqual(
      plan.pending.map((m) => m.version),
      [3],
    );
    assert.deepEqual(
      plan.applied.map(({ migration, appliedAt }) => [migration.version, appliedAt]),
      [
        [1, '2026-11-23 10:00:00.000'],
        [2, '2026-11-23 10:00:00.000'],
      ],
    );
  });

  it('nothing is pending when all are applied (a second run is a no-op)', () => {
    assert.deepEqual(planMigrations([one, two], [applied(one), applied(two)], 'db').pending, []);
  });

  it('refuses a changed file with MIGRATION_CHECKSUM_MISMATCH and says how to recover', () => {
    const edited = parseMigration('0002_two.sql', 'CREATE TABLE IF NOT EXISTS ${database}.two (x UInt16) ENGINE = MergeTree ORDER BY x;');
    refuses(
      'MIGRATION_CHECKSUM_MISMATCH',
      () => planMigrations([one, edited, three], [applied(one), applied(two)], 'analytics'),
      /database analytics:\n {2}0002_two\.sql: applied with checksum [0-9a-f]{12}, file now [0-9a-f]{12}\n[\s\S]*immutable[\s\S]*0004_<name>\.sql/,
    );
  });

  it('refuses when overlapping runs recorded two different files for one version', () => {
    refuses('MIGRATION_CHECKSUM_MISMATCH', () => planMigrations([one], [applied(one, [one.checksum, 'f'.repeat(64)])], 'db'), /and/);
  });

  it('refuses an applied version whose file was deleted', () => {
    refuses('MIGRATION_FILE_MISSING', () => planMigrations([one, three], [applied(one), applied(two), applied(three)], 'db'), /0002_two/);
  });

  it('refuses a new file numbered below an applied one', () => {
    refuses(
      'MIGRATION_OUT_OF_ORDER',
      () => planMigrations([one, two, three], [applied(one), applied(three)], 'db'),
      /0002_two\.sql[\s\S]*0004/,
    );
  });

  it('reports versions applied by a newer release without refusing (rolling deploys)', () => {
    const plan = planMigrations([one, two], [applied(one), applied(two), applied(three)], 'db');
    assert.deepEqual(plan.pending, []);
    assert.deepEqual(
      plan.future.map((m) => m.version),
      [3],
    );
  });

  it('creates the bookkeeping table with a deduplication window, in the validated database only', () => {
    assert.match(
      bookkeepingStatement('db_1'),
      /^CREATE TABLE IF NOT EXISTS db_1\.tributary_migrations[\s\S]*non_replicated_deduplication_window = 1000$/,
    );
    assert.throws(() => bookkeepingStatement('db; DROP'), /not a database name/);
  });
});
