// Printing for humans (aligned tables, step lines) or machines (--json). Errors always go to
// stderr with their code and what to do about them.
import { isTributaryError } from '@tributary/errors';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(no rows)\n');
    return;
  }
  const names = columns ?? Object.keys(rows[0] ?? {});
  const cell = (value: unknown): string =>
    value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const widths = names.map((name) => Math.max(name.length, ...rows.map((row) => cell(row[name]).length)));
  const line = (values: string[]): string =>
    values
      .map((value, i) => value.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(names)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(names.map((name) => cell(row[name])))}\n`);
}

export function printStep(text: string): void {
  process.stdout.write(`✔ ${text}\n`);
}

/** Prints an error for a person and returns the process exit code. */
export function reportError(error: unknown): number {
  if (isTributaryError(error)) {
    process.stderr.write(`error [${error.code}]: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  what to do: ${error.hint}\n`);
    return error.failureType === 'config' ? 2 : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  return 1;
}
