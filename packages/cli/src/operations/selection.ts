// Parsing what an operator types to select records: instants, record coordinates and
// per-partition offsets. Mistakes are config errors that say what was expected.
import { ConfigError, TributaryError } from '@tributary/errors';
import type { RecordHeaders } from '@tributary/kafka';

/** An ISO 8601 instant (a date alone is midnight UTC) → epoch ms. */
export function parseInstant(text: string, option: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ConfigError('CLI_BAD_TIME', `${option} expects an ISO 8601 time, got "${text}".`, {
      hint: 'Example: 2026-11-24T03:00:00Z (UTC) or 2026-11-24.',
    });
  return ms;
}

export interface RecordCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

/** `<topic>:<partition>:<offset>` (topic names cannot contain ':'). */
export function parseCoordinates(text: string): RecordCoordinates {
  const match = /^([^:]+):(\d+):(\d+)$/.exec(text);
  if (!match)
    throw new ConfigError('CLI_BAD_COORDINATES', `Expected <topic>:<partition>:<offset>, got "${text}".`, {
      hint: 'Example: dlq.transform-enrich:0:42 (the first three columns of `list`).',
    });
  return { topic: match[1]!, partition: Number(match[2]), offset: String(BigInt(match[3]!)) };
}

/** `0:120,1:98` → per-partition offsets. */
export function parsePartitionOffsets(text: string, option: string): Array<{ partition: number; offset: string }> {
  const entries = text.split(',').map((part) => part.trim());
  const out = new Map<number, string>();
  for (const entry of entries) {
    const match = /^(\d+):(\d+)$/.exec(entry);
    if (!match || out.has(Number(match[1])))
      throw new ConfigError('CLI_BAD_OFFSETS', `${option} expects <partition>:<offset>[,...] with each partition once, got "${text}".`, {
        hint: 'Example: 0:120,1:98',
      });
    out.set(Number(match[1]), String(BigInt(match[2]!)));
  }
  return [...out].map(([partition, offset]) => ({ partition, offset })).sort((a, b) => a.partition - b.partition);
}

/** A positive integer option (--limit). */
export function parseCount(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigError('CLI_BAD_COUNT', `${option} expects a positive whole number, got "${text}".`);
  return value;
}

/** A human-readable account of the filters, for the audit record's `selection`. */
export function describeSelection(parts: Record<string, string | number | string[] | undefined>): string {
  return (
    Object.entries(parts)
      .filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0))
      .map(([name, value]) => `--${name} ${Array.isArray(value) ? value.join(',') : String(value)}`)
      .join(' ') || '(all)'
  );
}

/** Refuses an inspect, redrive or release that selected nothing (exit code 2). */
export function requireSelection(letters: readonly unknown[], what: string): void {
  if (letters.length === 0)
    throw new TributaryError('CLI_NOTHING_SELECTED', `No ${what} matched the selection.`, { failureType: 'config' });
}

/** Every header as text (repeated headers joined with ', '). */
export function headersAsText(headers: RecordHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value : [value]).map((item) => item.toString()).join(', ');
  }
  return out;
}
