import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTributaryError } from '@tributary/errors';
import {
  assertDatabaseName,
  bindDatabase,
  loadMigrations,
  migrationChecksum,
  orderMigrations,
  parseMigration,
  parseMigrationFileName,
  splitStatements,
  statementProblem,
} from '../src/migration-files.ts';

function rejectsWith(code: string, run: () => unknown, message?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isTributaryError(error), String(error));
    assert.equal(error.code, code);
    if (message) assert.match(`${error.message}\n${error.hint ?? ''}`, message);
    assert.ok(error.hint, 'every refusal says what to do');
    return true;
  });
}

describe('clickhouse/migration-files', () => {
  describe('file names', () => {
    it('reads version and name from NNNN_name.sql', () => {
      assert.deepEqual(parseMigrationFileName('0001_landing_tables.sql'), { version: 1, name: 'landing_tables' });
      assert.deepEqual(parseMigrationFileName('0042_add_post_language.sql'), { version: 42, name: 'add_post_language' });
    });

    it('refuses other shapes and version 0', () => {
      for (const name of ['1_x.sql', '0001-x.sql', '0001_X.sql', '0001_.sql', '0001_x.SQL', '00001_x.sql', '0000_x.sql', '0001_x__y.sql']) {
        assert.equal(parseMigrationFileName(name), undefined, name);
      }
      rejectsWith('MIGRATION_FILE_NAME_INVALID', () => parseMigration('0001-x.sql', 'SELECT 1'));
    });
  });

  describe('splitStatements', () => {
    it('splits at semicolons and drops comments before each statement', () => {
      const sql = `-- header
-- more
CREATE TABLE IF NOT EXISTS \${database}.a (x UInt8) ENGINE = MergeTree ORDER BY x;

/* block */ CREATE TABLE IF NOT EXISTS \${database}.b (x UInt8) ENGINE = MergeTree ORDER BY x;
-- trailing comment only
`;
      assert.deepEqual(splitStatements(sql), [
        'CREATE TABLE IF NOT EXISTS ${database}.a (x UInt8) ENGINE = MergeTree ORDER BY x',
        'CREATE TABLE IF NOT EXISTS ${database}.b (x UInt8) ENGINE = MergeTree ORDER BY x',
      ]);
    });

    it('never splits inside strings, quoted identifiers or comments', () => {
      const sql = [
        "ALTER TABLE ${database}.t COMMENT COLUMN x 'a;b \\'; c'' ;'",
        'ALTER TABLE ${database}.t COMMENT COLUMN "we;ird" `sem;i` \'x\'',
        'CREATE TABLE IF NOT EXISTS ${database}.u (x UInt8 -- ; not here\n) ENGINE = MergeTree /* ; /* nested ; */ ; */ ORDER BY x',
      ].join(';\n');
      const statements = splitStatements(sql);
      assert.equal(statements.length, 3);
      assert.equal(statements[0], "ALTER TABLE ${database}.t COMMENT COLUMN x 'a;b \\'; c'' ;'");
      assert.match(statements[2] ?? '', /nested ; \*\/ ; \*\/ ORDER BY x$/);
    });

    it('keeps a last statement without a semicolon and drops empty ones', () => {
      assert.deepEqual(splitStatements(';;\nDROP TABLE IF EXISTS ${database}.a;;  DROP TABLE IF EXISTS ${database}.b  '), [
        'DROP TABLE IF EXISTS ${database}.a',
        'DROP TABLE IF EXISTS ${database}.b',
      ]);
    });

    it('refuses unterminated quotes and comments', () => {
      assert.throws(() => splitStatements("SELECT 'abc"), /unterminated ' quote/);
      assert.throws(() => splitStatements('SELECT /* abc'), /unterminated \/\* comment/);
      rejectsWith('MIGRATION_INVALID', () => parseMigration('0001_x.sql', 'CREATE TABLE IF NOT EXISTS ${database}.a (`x UInt8)'));
    });
  });

  describe('statement lint: safe to run twice, qualified names, no TTL', () => {
    const allowed = [
      'CREATE TABLE IF NOT EXISTS ${database}.t (x UInt8) ENGINE = MergeTree ORDER BY x',
      'create materialized view if not exists ${database}.mv to ${database}.t as select x from ${database}.s',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv TO ${database}.t AS SELECT x FROM (SELECT x FROM ${database}.s)',
      'CREATE VIEW IF NOT EXISTS ${database}.v AS SELECT 1',
      'CREATE OR REPLACE VIEW ${database}.v AS SELECT x FROM ${database}.t',
      "ALTER TABLE ${database}.t ADD COLUMN IF NOT EXISTS y String DEFAULT '' AFTER x",
      'ALTER TABLE ${database}.t ADD COLUMN IF NOT EXISTS y String, ADD INDEX IF NOT EXISTS i y TYPE bloom_filter',
      'ALTER TABLE ${database}.t DROP COLUMN IF EXISTS y',
      'ALTER TABLE ${database}.t MODIFY COLUMN y LowCardinality(String)',
      'ALTER TABLE ${database}.t MODIFY SETTING non_replicated_deduplication_window = 100',
      'ALTER TABLE ${database}.mv MODIFY QUERY SELECT x FROM ${database}.s',
      "ALTER TABLE ${database}.t COMMENT COLUMN x 'DELETE me; MODIFY TTL in a string is fine'",
      'DROP TABLE IF EXISTS ${database}.t',
      'DROP VIEW IF EXISTS ${database}.mv',
    ];
    for (const statement of allowed) {
      it(`allows: ${statement.slice(0, 90)}`, () => assert.equal(statementProblem(statement), undefined));
    }

    const refused: [string, RegExp][] = [
      ['CREATE TABLE ${database}.t (x UInt8) ENGINE = MergeTree ORDER BY x', /IF NOT EXISTS/],
      ['CREATE TABLE IF NOT EXISTS t (x UInt8) ENGINE = MergeTree ORDER BY x', /\$\{database\}\.<name>/],
      ['CREATE TABLE IF NOT EXISTS other.t (x UInt8) ENGINE = MergeTree ORDER BY x', /\$\{database\}\.<name>/],
      ['CREATE OR REPLACE TABLE ${database}.t (x UInt8) ENGINE = MergeTree ORDER BY x', /drop data/],
      ['CREATE DATABASE IF NOT EXISTS ${database}', /runner creates the database/],
      ['CREATE TEMPORARY TABLE x (y UInt8)', /temporary/],
      [
        'CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv ENGINE = MergeTree ORDER BY x AS SELECT x FROM ${database}.s',
        /TO \$\{database\}/,
      ],
      ['CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv TO ${database}.t AS SELECT x FROM s', /found FROM s/],
      ['CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.mv TO ${database}.t POPULATE AS SELECT x FROM ${database}.s', /POPULATE/],
      ['ALTER TABLE ${database}.t ADD COLUMN y String', /ADD COLUMN IF NOT EXISTS/],
      ['ALTER TABLE ${database}.t ADD COLUMN IF NOT EXISTS y String, ADD INDEX i y TYPE minmax', /ADD INDEX IF NOT EXISTS/],
      ['ALTER TABLE ${database}.t DROP COLUMN y', /DROP COLUMN IF EXISTS/],
      ['ALTER TABLE ${database}.t RENAME COLUMN a TO b', /RENAME COLUMN IF EXISTS/],
      ['ALTER TABLE ${database}.t MODIFY TTL toDateTime(t) + INTERVAL 1 DAY', /configuration/],
      ['ALTER TABLE ${database}.t REMOVE TTL', /configuration/],
      ['ALTER TABLE ${database}.t DELETE WHERE 1', /mutations/],
      ['ALTER TABLE ${database}.t UPDATE x = 1 WHERE 1', /mutations/],
      ['ALTER TABLE ${database}.t DROP PARTITION 202601', /partition/],
      ['ALTER TABLE t ADD COLUMN IF NOT EXISTS y String', /ALTER TABLE \$\{database\}/],
      ['ALTER TABLE ${database}.mv MODIFY QUERY SELECT x FROM s', /found FROM s/],
      ['DROP TABLE ${database}.t', /IF EXISTS/],
      ['DROP DATABASE IF EXISTS ${database}', /never drop the database/],
      ['INSERT INTO ${database}.t SELECT 1', /INSERT statements are not allowed/],
      ['RENAME TABLE ${database}.a TO ${database}.b', /RENAME statements are not allowed/],
      ['OPTIMIZE TABLE ${database}.t FINAL', /OPTIMIZE/],
      ['TRUNCATE TABLE ${database}.t', /TRUNCATE/],
      ['CREATE TABLE IF NOT EXISTS ${schema}.t (x UInt8) ENGINE = Memory', /unknown placeholder \$\{schema\}/],
    ];
    for (const [statement, reason] of refused) {
      it(`refuses: ${statement.slice(0, 90)}`, () => assert.match(statementProblem(statement) ?? '(allowed)', reason));
    }

    it('names the file and statement number of a refused statement', () => {
      rejectsWith(
        'MIGRATION_INVALID',
        () =>
          parseMigration(
            '0003_x.sql',
            'CREATE TABLE IF NOT EXISTS ${database}.a (x UInt8) ENGINE = Memory;\nINSERT INTO ${database}.a VALUES (1);',
          ),
        /0003_x\.sql, statement 2: INSERT/,
      );
    });
  });

  describe('database placeholder', () => {
    it('substitutes a validated identifier outside string literals only', () => {
      assert.equal(
        bindDatabase("CREATE VIEW IF NOT EXISTS ${database}.v AS SELECT '${database}' AS literal FROM ${database}.t", 'analytics_1'),
        "CREATE VIEW IF NOT EXISTS analytics_1.v AS SELECT '${database}' AS literal FROM analytics_1.t",
      );
    });

    it('refuses database names that are not plain identifiers', () => {
      for (const name of ['', 'a-b', 'a.b', 'a b', '1abc', 'x`; DROP TABLE y; --', 'x'.repeat(65), 'ä']) {
        rejectsWith('CLICKHOUSE_DATABASE_NAME_INVALID', () => assertDatabaseName(name));
      }
      for (const name of ['default', 'tributary', '_x', 'Tributary_2']) assert.equal(assertDatabaseName(name), name);
    });
  });

  describe('checksums and ordering', () => {
    it('hashes the file text, ignoring CRLF versus LF only', () => {
      const text = 'DROP TABLE IF EXISTS ${database}.a;\n';
      assert.equal(migrationChecksum(text), migrationChecksum(text.replace(/\n/g, '\r\n')));
      assert.notEqual(migrationChecksum(text), migrationChecksum(text.replace('a;', 'a ;')));
      assert.match(migrationChecksum(text), /^[0-9a-f]{64}$/);
    });

    it('orders by version and refuses duplicate versions', () => {
      const a = parseMigration('0002_b.sql', 'DROP TABLE IF EXISTS ${database}.b');
      const b = parseMigration('0010_c.sql', 'DROP TABLE IF EXISTS ${database}.c');
      const c = parseMigration('0001_a.sql', 'DROP TABLE IF EXISTS ${database}.a');
      assert.deepEqual(
        orderMigrations([a, b, c]).map((m) => m.file),
        ['0001_a.sql', '0002_b.sql', '0010_c.sql'],
      );
      rejectsWith(
        'MIGRATION_VERSION_DUPLICATE',
        () => orderMigrations([a, b, parseMigration('0002_other.sql', 'DROP TABLE IF EXISTS ${database}.x')]),
        /0002_b\.sql and 0002_other\.sql[\s\S]*0011/,
      );
    });

    it('loads a directory, ignoring files that are not .sql', () => {
      const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
      try {
        writeFileSync(join(dir, '0002_second.sql'), 'DROP TABLE IF EXISTS ${database}.b;');
        writeFileSync(join(dir, '0001_first.sql'), 'DROP TABLE IF EXISTS ${database}.a;');
        writeFileSync(join(dir, 'README.md'), '# notes');
        assert.deepEqual(
          loadMigrations(dir).map((m) => [m.version, m.name, m.statements.length]),
          [
            [1, 'first', 1],
            [2, 'second', 1],
          ],
        );
        writeFileSync(join(dir, '3_typo.sql'), 'DROP TABLE IF EXISTS ${database}.c;');
        rejectsWith('MIGRATION_FILE_NAME_INVALID', () => loadMigrations(dir), /3_typo\.sql/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("the repository's migrations", () => {
    it('parse, pass the lint and number from 0001 without gaps', () => {
      const migrations = loadMigrations();
      assert.ok(migrations.length >= 6);
      migrations.forEach((migration, index) => assert.equal(migration.version, index + 1, migration.file));
    });
  });
});
