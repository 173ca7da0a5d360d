// An entity's remembered snapshots (io.tributary.system.EntityHistory in tributary.enrich-state),
// and the deltas and velocities against them. Pure: the processor stores what these return.
//
// Key: `<platform>:<entity_kind>:<entity_id>:<series>`, series LIFETIME (running totals, period
// null), PERIOD (per-period aggregates; never compared with totals) or CONTENT (a post's content
// versions, remembered only for the cross-entity facts they were enriched with).
// A point also keeps the cross-entity facts its event was enriched with (published_at,
// creator_followers): processing the same event again reuses them instead of looking again, so a
// retry or replay enriches it identically even when more is known by then (rememberedPoint).
// Previous snapshot: the newest remembered one observed strictly before the record, other than the
// record itself — so processing a record twice, or records out of order, gives the same answer.
// Insertion keeps snapshots by observed_at ascending, one per event_id (a re-collection of the same
// event keeps the later observation), at most `depth` (the newest).
import type { EntityHistory, EntityKind, MetricPoint, Platform } from '@tributary/events';

export type Series = 'LIFETIME' | 'PERIOD' | 'CONTENT';

export function historyKey(platform: Platform, kind: EntityKind, entityId: string, series: Series): string {
  return `${platform}:${kind}:${entityId}:${series}`;
}

export function emptyHistory(platform: Platform, kind: EntityKind, entityId: string, series: Series): EntityHistory {
  return { platform, entity_kind: kind, entity_id: entityId, series, account_id: null, published_at: null, snapshots: [], updated_at: 0 };
}

/** Counters with null values left out (a null counter is absent, never 0). */
export function knownCounters(values: Record<string, number | null | undefined>): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) if (typeof value === 'number') counters[name] = value;
  return counters;
}

export function previousSnapshot(history: EntityHistory | undefined, eventId: string, observedAt: number): MetricPoint | null {
  let previous: MetricPoint | null = null;
  for (const point of history?.snapshots ?? []) {
    if (point.event_id === eventId || point.observed_at >= observedAt) continue;
    if (previous === null || point.observed_at > previous.observed_at) previous = point;
  }
  return previous;
}

/** The point remembered for `eventId`, when this event was processed before (within the history depth). */
export function rememberedPoint(history: EntityHistory | undefined, eventId: string): MetricPoint | undefined {
  return history?.snapshots.find((point) => point.event_id === eventId);
}

/** The point inserted by observed_at (ties by event_id, so the order never depends on arrival), deduplicated, trimmed to `depth`. */
export function withSnapshot(snapshots: readonly MetricPoint[], point: MetricPoint, depth: number): MetricPoint[] {
  const same = snapshots.find((existing) => existing.event_id === point.event_id);
  const keep = same !== undefined && same.observed_at > point.observed_at ? same : point;
  const next = snapshots.filter((existing) => existing.event_id !== point.event_id);
  next.push(keep);
  next.sort((a, b) => a.observed_at - b.observed_at || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
  return next.slice(Math.max(0, next.length - depth));
}

/** current − previous, or null when either is unknown. */
export function delta(current: number | null | undefined, previous: number | undefined): number | null {
  return typeof current === 'number' && typeof previous === 'number' ? current - previous : null;
}

/** A delta per `unitMs` between two observations; null when the delta is null or they are less than one second apart. */
export function velocity(deltaValue: number | null, fromMs: number, toMs: number, unitMs: number): number | null {
  if (deltaValue === null || toMs - fromMs < 1_000) return null;
  return (deltaValue * unitMs) / (toMs - fromMs);
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
