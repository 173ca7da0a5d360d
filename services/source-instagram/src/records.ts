// What every Instagram mapper shares: the envelope of a canonical event and the readers that turn
// Graph API values into canonical ones. Graph sends ids as strings (a number above 2^53 reaches us
// as its exact decimal string, http-json.ts), counters as numbers, times as ISO 8601 with `+0000`.
// A value that cannot be read becomes null and is COUNTED (DataIssues), never dropped silently and
// never guessed; an item without a readable id is counted and skipped (it cannot be keyed).
import type { ApiResponse, StreamContext } from '@tributary/connector-kit';
import { computeEventId, entityKey } from '@tributary/events';
import type { CollectionMethod, EntityKind, Envelope } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export type DataIssue =
  | 'item-without-id'
  | 'id-as-json-number'
  | 'counter-not-a-number'
  | 'counter-above-2^53'
  | 'timestamp-unreadable'
  | 'timestamp-as-epoch-seconds'
  | 'timestamp-as-epoch-ms'
  | 'text-lone-surrogate'
  | 'insights-unavailable'
  | 'insights-not-enough-viewers'
  | 'batch-item-failed'
  | 'webhook-change-unreadable'
  | 'mention-of-foreign-media';

const METRIC = 'tributary_source_instagram_data_issues_total';

/** Counts normalised values and reported items per kind; exported to Prometheus once attached to a registry. */
export class DataIssues {
  readonly #counts = new Map<DataIssue, number>();
  #counter: Counter<'issue'> | null = null;
  #logger: Logger | null = null;

  attach(registry: Registry, logger: Logger): void {
    this.#logger = logger.child({ component: 'instagram-data-issues' });
    this.#counter =
      (registry.getSingleMetric(METRIC) as Counter<'issue'> | undefined) ??
      new Counter({
        name: METRIC,
        help: 'Instagram values normalised (null or converted) and items reported instead of mapped, by issue.',
        labelNames: ['issue'],
        registers: [registry],
      });
    for (const [issue, count] of this.#counts) this.#counter.inc({ issue }, count);
  }

  report(issue: DataIssue, entityId: string, detail?: string): void {
    this.#counts.set(issue, (this.#counts.get(issue) ?? 0) + 1);
    this.#counter?.inc({ issue });
    this.#logger?.debug({ issue, entityId, detail }, 'Instagram value normalised or item reported.');
  }

  count(issue: DataIssue): number {
    return this.#counts.get(issue) ?? 0;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}

export interface Lineage {
  endpoint: string;
  apiVersion: string;
  method?: CollectionMethod;
  requestId?: string | null;
  deliveryId?: string | null;
}

/** An envelope for an event observed at `observedAt` and received at `collectedAt`. */
export function envelope(
  identity: { entity_kind: EntityKind; entity_id: string; observation: string },
  source: string,
  lineage: Lineage,
  times: { observedAt: number; collectedAt: number },
  traceparent: string | null,
): Envelope {
  return {
    event_id: computeEventId({ platform: 'INSTAGRAM', ...identity }),
    platform: 'INSTAGRAM',
    entity_kind: identity.entity_kind,
    entity_id: identity.entity_id,
    observation: identity.observation,
    observed_at: times.observedAt,
    collected_at: times.collectedAt,
    lineage: {
      source,
      method: lineage.method ?? 'POLL',
      endpoint: lineage.endpoint,
      api_version: lineage.apiVersion,
      request_id: lineage.requestId ?? null,
      delivery_id: lineage.deliveryId ?? null,
    },
    traceparent,
  };
}

/** The envelope of an event mapped from a polled response. */
export function polledEnvelope(
  identity: { entity_kind: EntityKind; entity_id: string; observation: string },
  context: StreamContext,
  response: Pick<ApiResponse, 'receivedAt' | 'requestId'>,
  endpoint: string,
  apiVersion: string,
): Envelope {
  return envelope(
    identity,
    context.source,
    { endpoint, apiVersion, method: context.method === 'backfill' ? 'BACKFILL' : 'POLL', requestId: response.requestId },
    { observedAt: response.receivedAt, collectedAt: response.receivedAt },
    context.traceparent,
  );
}

export { entityKey };

/** Readers bound to one DataIssues counter. */
export function readers(issues: DataIssues) {
  return {
    /** The Graph id as a string; null (counted by the caller's skip) when absent or lossy. */
    id(value: unknown, where: string): string | null {
      if (typeof value === 'string' && /^\d+$|^[\w-]+$/.test(value)) return value;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
        issues.report('id-as-json-number', String(value), where);
        return String(value);
      }
      return null;
    },
    /** A counter: a non-negative safe integer, else null (counted). */
    count(value: unknown, entityId: string, field: string): number | null {
      if (value === undefined || value === null) return null;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
      if (typeof value === 'string' && /^\d+$/.test(value)) {
        const number = Number(value);
        if (Number.isSafeInteger(number)) return number;
        issues.report('counter-above-2^53', entityId, field);
        return null;
      }
      issues.report('counter-not-a-number', entityId, field);
      return null;
    },
    /** ISO 8601 (Graph's `2026-11-20T12:00:00+0000`), or epoch seconds / milliseconds (counted) → epoch ms. */
    time(value: unknown, entityId: string, field: string): number | null {
      if (value === undefined || value === null) return null;
      if (typeof value === 'string') {
        const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
        const parsed = Date.parse(normalised);
        if (Number.isFinite(parsed)) return parsed;
      } else if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
        if (value < 100_000_000_000) {
          issues.report('timestamp-as-epoch-seconds', entityId, field);
          return Math.round(value * 1000);
        }
        issues.report('timestamp-as-epoch-ms', entityId, field);
        return Math.round(value);
      }
      issues.report('timestamp-unreadable', entityId, field);
      return null;
    },
    /** Text as written; lone surrogates (not encodable as UTF-8) become U+FFFD (counted). */
    text(value: unknown, entityId: string, field: string): string | null {
      if (typeof value !== 'string') return null;
      if (value.isWellFormed()) return value;
      issues.report('text-lone-surrogate', entityId, field);
      return value.toWellFormed();
    },
  };
}

export type Readers = ReturnType<typeof readers>;

/** Hashtags and @mentions in order of appearance, without the sign, as written. */
export function hashtagsAndMentions(text: string | null): { hashtags: string[]; mentions: string[] } {
  if (text === null) return { hashtags: [], mentions: [] };
  const hashtags = [...text.matchAll(/#([\p{L}\p{M}\p{N}_]+)/gu)].map((match) => match[1]!);
  const mentions = [...text.matchAll(/(?<![\w.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)/g)].map((match) => match[1]!);
  return { hashtags, mentions };
}
