// What every YouTube mapper shares beyond the kit's records (createDataIssues, recordReaders,
// polledEnvelope): the kinds of data issue it counts and readers of the API's loosely typed values
// (statistics are decimal STRINGS; timestamps are RFC 3339; durations ISO 8601). A value that cannot
// be read becomes null and is COUNTED, never dropped silently and never guessed.
import { createDataIssues, recordReaders } from '@tributary/connector-kit';
import type { DataIssues, ReaderIssue, RecordReaders } from '@tributary/connector-kit';
import { SERVICE } from './spec.ts';

/** Why a value was normalised or an item reported; the kind label of tributary_source_data_issues_total. */
export type DataIssue =
  | ReaderIssue
  | 'duration-unreadable'
  | 'item-without-id'
  | 'video-missing-from-batch'
  | 'playlist-item-without-video'
  | 'analytics-table-unreadable'
  | 'comments-video-gone'
  | 'comments-disabled';

/** The data issues of the source, with readers that report to them (counters documented as strings). */
export type DataQuality = DataIssues<DataIssue> & { readonly read: RecordReaders };

export function createDataQuality(): DataQuality {
  const issues = createDataIssues<DataIssue>({ source: SERVICE });
  return Object.assign(issues, { read: recordReaders(issues, { counters: 'strings' }) });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function recordAt(value: unknown, key: string): Record<string, unknown> | undefined {
  const child = isRecord(value) ? value[key] : undefined;
  return isRecord(child) ? child : undefined;
}

export function stringAt(value: unknown, key: string): string | null {
  const child = isRecord(value) ? value[key] : undefined;
  return typeof child === 'string' && child !== '' ? child : null;
}

export function booleanAt(value: unknown, key: string): boolean | null {
  const child = isRecord(value) ? value[key] : undefined;
  return typeof child === 'boolean' ? child : null;
}

/**
 * A Data API counter (`"viewCount": "1234"`): a decimal string of a non-negative integer. Absent →
 * null (hidden likes, disabled comments). Unreadable or beyond 2^53 → null and counted: a count
 * that lost digits would poison the time series. A JSON number is accepted when exact, and counted.
 */
export function counterAt(statistics: unknown, key: string, quality: DataQuality, entityId: string): number | null {
  return quality.read.count(isRecord(statistics) ? statistics[key] : undefined, entityId, key);
}

/**
 * A timestamp as epoch ms: RFC 3339 (what the API documents); an epoch number is accepted and
 * counted (below 10^11 it is seconds, else milliseconds); anything else is null and counted.
 */
export function timestampAt(value: unknown, key: string, quality: DataQuality, entityId: string): number | null {
  return quality.read.time(isRecord(value) ? value[key] : undefined, entityId, key);
}

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** contentDetails.duration (`PT1H2M3S`, `P1DT2H`, `P0D` for live streams in progress) in ms; null and counted when unreadable. */
export function durationMs(raw: unknown, quality: DataQuality, entityId: string): number | null {
  if (raw === undefined || raw === null) return null;
  const match = typeof raw === 'string' ? ISO_DURATION.exec(raw) : null;
  if (!match || raw === 'P' || raw === 'PT') {
    quality.report('duration-unreadable', entityId, String(raw).slice(0, 40));
    return null;
  }
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return Math.round(((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000);
}
