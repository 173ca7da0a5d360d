// Migration files: schemas/clickhouse/migrations/NNNN_<name>.sql, applied in version order and never
// edited once applied (their checksum is recorded). Each file holds one or more statements, each
// ending with `;` — the splitter below is a small lexer that knows string literals, quoted
// identifiers and comments, so a `;` inside any of them never splits a statement.
//
// Every statement must be safe to run twice (IF NOT EXISTS / IF EXISTS, or idempotent ALTERs):
// that is what makes concurrent runs and a run resumed after a crash harmless (docs/adr/0014).
// The only placeholder is ${database}, replaced by a validated identifier; nothing else is ever
// substituted into migration SQL.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tributary/config';
import { ConfigError } from '@tributary/errors';

export const MIGRATIONS_DIRECTORY = join(repoRoot(), 'schemas/clickhouse/migrations');

/** NNNN_name.sql: a four-digit version from 0001 and a snake_case name. */
export const MIGRATION_FILE_PATTERN = /^(\d{4})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;

/** A database name Tributary accepts: a plain identifier that needs no quoting. */
export const DATABASE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const PLACEHOLDER = '${database}';

export interface Migration {
  version: number;
  name: string;
  /** File name, e.g. 0001_landing_tables.sql. */
  file: string;
  /** SHA-256 (hex) of the file's text with line endings normalised to \n. */
  checksum: string;
  /** Statements as written (placeholder not yet substituted), without the trailing `;`. */
  statements: string[];
}

/** Version and name of a migration file, or undefined when the name does not follow NNNN_name.sql. */
export function parseMigrationFileName(file: string): { version: number; name: string } | undefined {
  const match = MIGRATION_FILE_PATTERN.exec(file);
  if (!match?.[1] || !match[2]) return undefined;
  const version = Number(match[1]);
  return version === 0 ? undefined : { version, name: match[2] };
}

export function migrationChecksum(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

interface Segment {
  kind: 'code' | 'string' | 'identifier' | 'comment';
  text: string;
}

/** Cuts SQL into code, string literals, quoted identifiers and comments. */
export function scanSql(sql: string): Segment[] {
  const segments: Segment[] = [];
  let code = '';
  let i = 0;
  const flush = (): void => {
    if (code) segments.push({ kind: 'code', text: code });
    code = '';
  };
  while (i < sql.length) {
    const char = sql[i] as string;
    const next = sql[i + 1];
    if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      flush();
      segments.push({ kind: 'comment', text: sql.slice(i, stop) });
      i = stop;
    } else if (char === '/' && next === '*') {
      // ClickHouse block comments nest.
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth += 1;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth -= 1;
          j += 2;
        } else j += 1;
      }
      if (depth > 0) throw new SqlScanError('an unterminated /* comment');
      flush();
      segments.push({ kind: 'comment', text: sql.slice(i, j) });
      i = j;
    } else if (char === "'" || char === '"' || char === '`') {
      // Quotes end at the same quote character; backslash escapes the next character and a
      // doubled quote stands for itself, as in ClickHouse.
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new SqlScanError(`an unterminated ${char} quote`);
        if (sql[j] === '\\') j += 2;
        else if (sql[j] === char && sql[j + 1] === char) j += 2;
        else if (sql[j] === char) break;
        else j += 1;
      }
      flush();
      segments.push({ kind: char === "'" ? 'string' : 'identifier', text: sql.slice(i, j + 1) });
      i = j + 1;
    } else {
      code += char;
      i += 1;
    }
  }
  flush();
  return segments;
}

class SqlScanError extends Error {}

/**
 * Splits a file into statements at each `;` outside literals, identifiers and comments. Comments
 * before a statement are dropped; a last statement without `;` is kept. Empty statements are
 * dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: Segment[] = [];
  const finish = (): void => {
    // Drop leading comments and whitespace, keep everything from the first code token on.
    while (current.length > 0 && (current[0]?.kind === 'comment' || (current[0]?.kind === 'code' && current[0].text.trim() === ''))) {
      current.shift();
    }
    const text = current
      .map((segment) => segment.text)
      .join('')
      .trim();
    if (text) statements.push(text);
    current = [];
  };
  for (const segment of scanSql(sql)) {
    if (segment.kind !== 'code') {
      current.push(segment);
      continue;
    }
    const parts = segment.text.split(';');
    parts.forEach((part, index) => {
      if (index > 0) finish();
      if (part) current.push({ kind: 'code', text: part });
    });
  }
  finish();
  return statements;
}

/** The statement with literals and comments blanked out, upper-cased, whitespace collapsed: what lint rules read. */
export function statementShape(statement: string): string {
  return scanSql(statement)
    .map((segment) => (segment.kind === 'code' ? segment.text : segment.kind === 'comment' ? ' ' : segment.kind === 'string' ? "''" : '``'))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase();
}

const QUALIFIED = String.raw`\$\{DATABASE\}\.`;

/**
 * Why a statement is not allowed in a migration, or undefined when it is. Allowed: statements that
 * are no-ops the second time (CREATE … IF NOT EXISTS, DROP … IF EXISTS, ALTER TABLE with
 * IF [NOT] EXISTS on adds and drops) on objects named ${database}.<name>. Refused: data changes,
 * renames, TTL (configuration applies it), and anything else that would not survive a second run.
 */
export function statementProblem(statement: string): string | undefined {
  const shape = statementShape(statement);
  const placeholders = [...statement.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]);
  const unknown = placeholders.filter((name) => name !== 'database');
  if (unknown.length > 0) return `unknown placeholder \${${unknown[0]}}; the only placeholder is ${PLACEHOLDER}`;

  let match: RegExpExecArray | null;
  if ((match = /^CREATE (OR REPLACE )?(TEMPORARY )?(TABLE|MATERIALIZED VIEW|VIEW|DICTIONARY|DATABASE|FUNCTION)\b/.exec(shape))) {
    const [, orReplace, temporary, kind] = match;
    if (temporary) return 'temporary tables do not belong in migrations';
    if (kind === 'DATABASE') return 'the runner creates the database; migrations only create objects inside ${database}';
    if (kind === 'FUNCTION') return 'functions are global to the server, not to ${database}';
    if (orReplace && kind !== 'VIEW' && kind !== 'DICTIONARY')
      return `CREATE OR REPLACE ${kind} would drop data; use CREATE ${kind} IF NOT EXISTS`;
    const name = orReplace
      ? new RegExp(`^CREATE OR REPLACE ${kind} ${QUALIFIED}`)
      : new RegExp(`^CREATE ${kind} IF NOT EXISTS ${QUALIFIED}`);
    if (!name.test(shape)) {
      return orReplace
        ? `write CREATE OR REPLACE ${kind} ${PLACEHOLDER}.<name>`
        : `write CREATE ${kind} IF NOT EXISTS ${PLACEHOLDER}.<name>, so a second run is a no-op`;
    }
    if (kind === 'MATERIALIZED VIEW' && !/ TO \$\{DATABASE\}\./.test(shape)) {
      return 'materialized views write to an explicit table: TO ${database}.<table> (no hidden inner table)';
    }
    if (kind === 'MATERIALIZED VIEW' && / POPULATE\b/.test(shape)) return 'POPULATE loses rows inserted while it runs; backfill separately';
    return unqualifiedSource(shape);
  }

  if ((match = /^DROP (TABLE|VIEW|DICTIONARY|DATABASE)\b/.exec(shape))) {
    if (match[1] === 'DATABASE') return 'migrations never drop the database';
    if (!new RegExp(`^DROP ${match[1]} IF EXISTS ${QUALIFIED}`).test(shape)) {
      return `write DROP ${match[1]} IF EXISTS ${PLACEHOLDER}.<name>, so a second run is a no-op`;
    }
    return undefined;
  }

  if (/^ALTER TABLE\b/.test(shape)) {
    if (!new RegExp(`^ALTER TABLE ${QUALIFIED}`).test(shape)) return `write ALTER TABLE ${PLACEHOLDER}.<name>`;
    if (/\b(MODIFY|REMOVE|MATERIALIZE) TTL\b/.test(shape)) {
      return 'TTL comes from configuration (clickhouse.retention.*) and is applied by the runner; do not set it in a migration';
    }
    if (/\b(DELETE|UPDATE)\b/.test(shape)) return 'mutations change data; migrations change structure only';
    if (/\b(DROP|DETACH|ATTACH|MOVE|REPLACE|FREEZE|UNFREEZE|FETCH) (PARTITION|PART)\b/.test(shape))
      return 'partition operations are not migrations';
    const add = /\bADD (COLUMN|INDEX|PROJECTION|CONSTRAINT|STATISTICS) (?!IF NOT EXISTS\b)/.exec(shape);
    if (add) return `write ADD ${add[1]} IF NOT EXISTS, so a second run is a no-op`;
    const drop = /\b(DROP|CLEAR) (COLUMN|INDEX|PROJECTION|CONSTRAINT|STATISTICS) (?!IF EXISTS\b)/.exec(shape);
    if (drop) return `write ${drop[1]} ${drop[2]} IF EXISTS, so a second run is a no-op`;
    if (/\bRENAME COLUMN (?!IF EXISTS\b)/.test(shape)) return 'write RENAME COLUMN IF EXISTS, so a second run is a no-op';
    return unqualifiedSource(shape);
  }

  const verb = shape.split(' ')[0] ?? '';
  return `${verb || 'this'} statements are not allowed in migrations (only CREATE … IF NOT EXISTS, ALTER TABLE and DROP … IF EXISTS)`;
}

/** A table read without ${database}. would bind to whatever database the connection happens to use. */
function unqualifiedSource(shape: string): string | undefined {
  for (const source of shape.matchAll(/\b(?:FROM|JOIN) ([^\s(),]+)/g)) {
    const table = source[1] ?? '';
    if (!table.startsWith('${DATABASE}.') && !table.startsWith('SYSTEM.')) {
      return `qualify every table a view reads: FROM ${PLACEHOLDER}.<table> (found FROM ${table.toLowerCase()})`;
    }
  }
  return undefined;
}

/** Throws unless `database` is a plain identifier; returns it. */
export function assertDatabaseName(database: string): string {
  if (!DATABASE_NAME_PATTERN.test(database)) {
    throw new ConfigError('CLICKHOUSE_DATABASE_NAME_INVALID', `"${database}" is not a database name Tributary accepts.`, {
      hint: 'Use letters, digits and underscores, starting with a letter or underscore, at most 64 characters (clickhouse.database).',
    });
  }
  return database;
}

/** The statement with ${database} replaced by the (validated) database name, outside string literals. */
export function bindDatabase(statement: string, database: string): string {
  assertDatabaseName(database);
  return scanSql(statement)
    .map((segment) => (segment.kind === 'code' ? segment.text.replaceAll(PLACEHOLDER, database) : segment.text))
    .join('');
}

/** Parses one migration file's text; throws MIGRATION_INVALID naming the file and statement. */
export function parseMigration(file: string, text: string): Migration {
  const parsed = parseMigrationFileName(file);
  if (!parsed) {
    throw new ConfigError('MIGRATION_FILE_NAME_INVALID', `Migration file "${file}" does not follow NNNN_<name>.sql.`, {
      hint: 'Name migrations with a four-digit version from 0001 and a snake_case name, e.g. 0007_add_post_language.sql.',
    });
  }
  let statements: string[];
  try {
    statements = splitStatements(text);
  } catch (cause) {
    throw new ConfigError('MIGRATION_INVALID', `Migration ${file} cannot be split into statements: ${(cause as Error).message}.`, {
      cause,
      hint: 'Close every quote and comment.',
    });
  }
  if (statements.length === 0)
    throw new ConfigError('MIGRATION_INVALID', `Migration ${file} has no statements.`, { hint: 'Remove the file.' });
  statements.forEach((statement, index) => {
    const problem = statementProblem(statement);
    if (problem) {
      throw new ConfigError('MIGRATION_INVALID', `Migration ${file}, statement ${index + 1}: ${problem}.`, {
        hint: 'Migrations must be safe to run twice and concurrently (schemas/clickhouse/README.md, "Writing a migration").',
        details: { file, statement: index + 1 },
      });
    }
  });
  return { ...parsed, file, checksum: migrationChecksum(text), statements };
}

/** Every migration in a directory, in version order. Other files (README, .gitkeep) are ignored. */
export function loadMigrations(directory: string = MIGRATIONS_DIRECTORY): Migration[] {
  const files = readdirSync(directory).filter((file) => file.endsWith('.sql'));
  const migrations = files.map((file) => parseMigration(file, readFileSync(join(directory, file), 'utf8')));
  return orderMigrations(migrations);
}

/** Sorts by version; refuses two files with the same version. */
export function orderMigrations(migrations: Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i += 1) {
    const previous = sorted[i - 1] as Migration;
    const current = sorted[i] as Migration;
    if (previous.version === current.version) {
      throw new ConfigError('MIGRATION_VERSION_DUPLICATE', `Migrations ${previous.file} and ${current.file} have the same version.`, {
        hint: `Renumber the one that has not been applied anywhere yet to ${String(sorted.at(-1)!.version + 1).padStart(4, '0')}.`,
      });
    }
  }
  return sorted;
}
