// What every source's mappers share: counted data issues, the readers that turn loosely typed API
// values into canonical ones, and the envelope of a canonical event. A value that cannot be read
// becomes null and is COUNTED (tributary_source_data_issues_total{source,kind}, with the entity id
// in a debug line), never dropped silently and never guessed.
import { computeEventId } from '@tributary/events';
import type { CollectionMethod, EntityKind, Envelope, Platform } from '@tributary/events';
import type { Logger } from '@tributary/telemetry';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ApiResponse } from '../contracts.ts';
import { parseRfc3339 } from '../webhooks/signatures.ts';
import type { StreamContext } from './declarations.ts';

export const DATA_ISSUES_METRIC = 'tributary_source_data_issues_total';

/** The kinds the record readers report; a source adds its own (items reported instead of mapped). */
export type ReaderIssue =
  | 'id-as-json-number'
  | 'counter-not-a-number'
  | 'counter-above-2^53'
  | 'counter-as-json-number'
  | 'timestamp-unreadable'
  | 'timestamp-as-epoch-seconds'
  | 'timestamp-as-epoch-ms'
  | 'text-lone-surrogate';

/** Values normalised and items reported instead of mapped, counted by kind. */
export interface DataIssues<Kind extends string = string> {
  readonly source: string;
  /** Exports the counts (those so far included) on a service registry; debug lines go to the logger. */
  attach(registry: Registry, logger: Logger): void;
  report(kind: Kind, entityId: string, detail?: string): void;
  count(kind: Kind): number;
  counts(): Record<string, number>;
}

export function createDataIssues<Kind extends string = string>(options: { source: string }): DataIssues<Kind> {
  const { source } = options;
  const counts = new Map<Kind, number>();
  let counter: Counter<'source' | 'kind'> | null = null;
  let logger: Logger | null = null;
  return {
    source,
    attach(registry, parent) {
      logger = parent.child({ component: 'data-issues' });
      counter =
        (registry.getSingleMetric(DATA_ISSUES_METRIC) as Counter<'source' | 'kind'> | undefined) ??
        new Counter({
          name: DATA_ISSUES_METRIC,
          help: 'Values a platform sent that were normalised (null, or converted) and items reported instead of mapped, by source and kind.',
          labelNames: ['source', 'kind'],
          registers: [registry],
        });
      for (const [kind, count] of counts) counter.inc({ source, kind }, count);
    },
    report(kind, entityId, detail) {
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      counter?.inc({ source, kind });
      logger?.debug({ kind, entityId, detail }, 'Value normalised or item reported.');
    },
    count: (kind) => counts.get(kind) ?? 0,
    counts: () => Object.fromEntries(counts),
  };
}

/** Epoch seconds stay below this until the year 5138; a larger epoch number is milliseconds. */
const LARGEST_EPOCH_SECONDS = 100_000_000_000;

export interface RecordReaderOptions {
  /**
   * How the platform documents counters: as JSON numbers (Graph, TikTok) or as decimal strings (YouTube Data
   * API). The other encoding is still read when exact; a JSON number where strings are documented is counted.
   */
  counters?: 'numbers' | 'strings';
  /** How the platform documents timestamps: RFC 3339 text (epoch numbers counted), or epoch seconds (milliseconds counted). */
  timestamps?: 'text' | 'epoch-seconds';
}

export interface RecordReaders {
  /** An id as a string (pattern: word characters and `-`); an exact JSON number becomes its decimal string (counted); else null. */
  id(value: unknown, where: string, pattern?: RegExp): string | null;
  /** A counter: a non-negative safe integer (or its decimal string), else null (counted). Absent → null, not counted. */
  count(value: unknown, entityId: string, field: string): number | null;
  /** A timestamp as epoch ms: RFC 3339 (`+0000` offsets too), or an epoch number (seconds below 10^11); else null (counted). */
  time(value: unknown, entityId: string, field: string): number | null;
  /** Text as written; lone surrogates (not encodable as UTF-8, so not in Avro) become U+FFFD (counted). Non-text → null. */
  text(value: unknown, entityId: string, field: string): string | null;
}

/** Readers that report what they normalise to `issues`. */
export function recordReaders(issues: Pick<DataIssues<ReaderIssue>, 'report'>, options: RecordReaderOptions = {}): RecordReaders {
  const countersAsStrings = options.counters === 'strings';
  const epochSeconds = options.timestamps === 'epoch-seconds';
  return {
    id(value, where, pattern = /^[\w-]+$/) {
      if (typeof value === 'string' && pattern.test(value)) return value;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
        issues.report('id-as-json-number', String(value), where);
        return String(value);
      }
      return null;
    },
    count(value, entityId, field) {
      if (value === undefined || value === null) return null;
      if (typeof value === 'number') {
        if (Number.isSafeInteger(value) && value >= 0) {
          if (countersAsStrings) issues.report('counter-as-json-number', entityId, field);
          return value;
        }
        issues.report(Number.isInteger(value) && value > 0 ? 'counter-above-2^53' : 'counter-not-a-number', entityId, field);
        return null;
      }
      const digits = typeof value === 'string' ? value.trim() : '';
      if (!/^\d+$/.test(digits)) {
        issues.report('counter-not-a-number', entityId, `${field}=${String(value).slice(0, 40)}`);
        return null;
      }
      const number = Number(digits);
      if (Number.isSafeInteger(number)) return number;
      issues.report('counter-above-2^53', entityId, `${field}=${digits.slice(0, 40)}`);
      return null;
    },
    time(value, entityId, field) {
      if (value === undefined || value === null) return null;
      if (typeof value === 'string') {
        const parsed = parseRfc3339(value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (parsed !== null) return parsed;
      } else if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
        if (value < LARGEST_EPOCH_SECONDS) {
          if (!epochSeconds) issues.report('timestamp-as-epoch-seconds', entityId, field);
          return Math.round(value * 1000);
        }
        issues.report('timestamp-as-epoch-ms', entityId, field);
        return Math.round(value);
      }
      issues.report('timestamp-unreadable', entityId, `${field}=${String(value).slice(0, 40)}`);
      return null;
    },
    text(value, entityId, field) {
      if (typeof value !== 'string') return null;
      if (value.isWellFormed()) return value;
      issues.report('text-lone-surrogate', entityId, field);
      return value.toWellFormed();
    },
  };
}

export interface EventIdentity {
  platform: Platform;
  entity_kind: EntityKind;
  entity_id: string;
  observation: string;
}

export interface EventLineage {
  source: string;
  method: CollectionMethod;
  /** The call, as `METHOD /path/template` or the webhook route. */
  endpoint: string;
  apiVersion: string | null;
  requestId?: string | null;
  deliveryId?: string | null;
}

/** The envelope of a canonical event: event_id from the identity rules (docs/adr/0013), lineage as given. */
export function eventEnvelope(
  identity: EventIdentity,
  lineage: EventLineage,
  times: { observedAt: number; collectedAt: number },
  traceparent: string | null,
): Envelope {
  return {
    event_id: computeEventId(identity),
    platform: identity.platform,
    entity_kind: identity.entity_kind,
    entity_id: identity.entity_id,
    observation: identity.observation,
    observed_at: times.observedAt,
    collected_at: times.collectedAt,
    lineage: {
      source: lineage.source,
      method: lineage.method,
      endpoint: lineage.endpoint,
      api_version: lineage.apiVersion,
      request_id: lineage.requestId ?? null,
      delivery_id: lineage.deliveryId ?? null,
    },
    traceparent,
  };
}

/** The envelope of an event mapped from a polled response: observed and collected when the response arrived. */
export function polledEnvelope(
  identity: EventIdentity,
  context: Pick<StreamContext, 'source' | 'method' | 'traceparent'>,
  response: Pick<ApiResponse, 'receivedAt' | 'requestId'>,
  call: { endpoint: string; apiVersion: string | null },
): Envelope {
  return eventEnvelope(
    identity,
    {
      source: context.source,
      method: context.method === 'backfill' ? 'BACKFILL' : 'POLL',
      endpoint: call.endpoint,
      apiVersion: call.apiVersion,
      requestId: response.requestId,
    },
    { observedAt: response.receivedAt, collectedAt: response.receivedAt },
    context.traceparent,
  );
}
