// What every YouTube mapper shares: the envelope of a canonical event, and the readers that turn
// the API's loosely typed values into canonical ones (statistics are decimal STRINGS; timestamps are
// RFC 3339; durations ISO 8601). A value that cannot be read becomes null and is COUNTED in
// DataQuality (with the entity id in a debug line), never dropped silently and never guessed.
import { parseRfc3339 } from '@tributary/connector-kit';
import type { ApiResponse, StreamContext } from '@tributary/connector-kit';
import { computeEventId } from '@tributary/events';
import type { EntityKind, Envelope } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

/** Why a value was normalised or an item reported; the label of tributary_source_youtube_data_issues_total. */
export type DataIssue =
  | 'counter-not-a-number'
  | 'counter-above-2^53'
  | 'counter-as-json-number'
  | 'timestamp-unreadable'
  | 'timestamp-as-epoch-seconds'
  | 'timestamp-as-epoch-ms'
  | 'duration-unreadable'
  | 'item-without-id'
  | 'video-missing-from-batch'
  | 'playlist-item-without-video'
  | 'analytics-table-unreadable'
  | 'comments-video-gone'
  | 'comments-disabled';

/**
 * Counts data issues per kind (and exports them to Prometheus once attached to a registry).
 * A mapper gets one DataQuality; it is generic and would belong in the kit next to sourceMetrics.
 */
export class DataQuality {
  readonly #counts = new Map<DataIssue, number>();
  #counter: Counter<'issue'> | null = null;
  #logger: Logger | null = null;

  attach(registry: Registry, logger: Logger): void {
    this.#logger = logger.child({ component: 'youtube-data-quality' });
    const existing = registry.getSingleMetric('tributary_source_youtube_data_issues_total');
    this.#counter =
      (existing as Counter<'issue'> | undefined) ??
      new Counter({
        name: 'tributary_source_youtube_data_issues_total',
        help: 'Values the YouTube API sent that were normalised (null, or converted) and items reported as missing, by issue.',
        labelNames: ['issue'],
        registers: [registry],
      });
    for (const [issue, count] of this.#counts) this.#counter.inc({ issue }, count);
  }

  report(issue: DataIssue, entityId: string, detail?: string): void {
    this.#counts.set(issue, (this.#counts.get(issue) ?? 0) + 1);
    this.#counter?.inc({ issue });
    this.#logger?.debug({ issue, entityId, detail }, 'YouTube value normalised.');
  }

  count(issue: DataIssue): number {
    return this.#counts.get(issue) ?? 0;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}

/** The envelope of an event observed in `response` (lineage endpoint: method and path template). */
export function envelopeOf(
  identity: { entity_kind: EntityKind; entity_id: string; observation: string },
  context: StreamContext,
  response: Pick<ApiResponse, 'receivedAt' | 'requestId'>,
  endpoint: string,
  apiVersion: string,
): Envelope {
  return {
    event_id: computeEventId({ platform: 'YOUTUBE', ...identity }),
    platform: 'YOUTUBE',
    entity_kind: identity.entity_kind,
    entity_id: identity.entity_id,
    observation: identity.observation,
    observed_at: response.receivedAt,
    collected_at: response.receivedAt,
    lineage: {
      source: context.source,
      method: context.method === 'backfill' ? 'BACKFILL' : 'POLL',
      endpoint,
      api_version: apiVersion,
      request_id: response.requestId,
      delivery_id: null,
    },
    traceparent: context.traceparent,
  };
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
  const raw = isRecord(statistics) ? statistics[key] : undefined;
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw) && raw >= 0) {
      quality.report('counter-as-json-number', entityId, key);
      return raw;
    }
    quality.report(Number.isInteger(raw) && raw > 0 ? 'counter-above-2^53' : 'counter-not-a-number', entityId, key);
    return null;
  }
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim())) {
    quality.report('counter-not-a-number', entityId, `${key}=${String(raw).slice(0, 40)}`);
    return null;
  }
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value)) {
    quality.report('counter-above-2^53', entityId, `${key}=${raw.slice(0, 40)}`);
    return null;
  }
  return value;
}

/**
 * A timestamp as epoch ms: RFC 3339 (what the API documents); an epoch number is accepted and
 * counted (below 10^11 it is seconds, else milliseconds); anything else is null and counted.
 */
export function timestampAt(value: unknown, key: string, quality: DataQuality, entityId: string): number | null {
  const raw = isRecord(value) ? value[key] : undefined;
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    const parsed = parseRfc3339(raw);
    if (parsed !== null) return parsed;
  } else if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) {
    const seconds = raw < 100_000_000_000;
    quality.report(seconds ? 'timestamp-as-epoch-seconds' : 'timestamp-as-epoch-ms', entityId, key);
    return seconds ? raw * 1000 : raw;
  }
  quality.report('timestamp-unreadable', entityId, `${key}=${String(raw).slice(0, 40)}`);
  return null;
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
