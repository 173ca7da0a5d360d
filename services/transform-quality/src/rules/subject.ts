// What the rules judge: one enriched event of a known type, and the tolerances they judge it with
// (the `quality` settings section, services/transform-quality/src/spec.ts).
import type { AccountMetricsSnapshot, Comment, Post, PostMetricsSnapshot, QualityFlag } from '@tributary/events';

export type AssessedEvent =
  | { kind: 'post'; event: Post }
  | { kind: 'post-metrics'; event: PostMetricsSnapshot }
  | { kind: 'account-metrics'; event: AccountMetricsSnapshot }
  | { kind: 'comment'; event: Comment };

export type AssessedKind = AssessedEvent['kind'];

export interface AnomalySettings {
  /** Most samples kept per account and metric (the newest by observed_at). */
  windowSamples: number;
  /** |modified z-score| above which a velocity is an anomaly. */
  threshold: number;
  /** Fewest prior samples before a baseline judges anything. */
  minSamples: number;
}

export interface QualityRuleSettings {
  /** How far past collected_at a timestamp may lie before it is "in the future" (clock skew). */
  futureSkewMs: number;
  /** A timestamp further than this past collected_at is corrupt, not skewed: HARD on any field. */
  futureHardMs: number;
  /** How long before collected_at an observation may have been made before it is "delayed". */
  maxObservationLagMs: number;
  /** A counter falling by at most this fraction of its previous value is a revision (INFO). */
  counterDecreaseRatio: number;
  /** ... or by at most this many units (small counters revise by a few). */
  counterDecreaseFloor: number;
  /** engagement_rate above this is out of range. */
  maxEngagementRate: number;
  /** Counters above this are implausible (beyond any platform's record, or past 2^53). */
  maxPlausibleCounter: number;
  /** Media durations above this are implausible. */
  maxDurationMs: number;
  /** Event ids remembered for the duplicate rule (first content seen per id). */
  duplicateMemoryEvents: number;
  anomaly: AnomalySettings;
}

export const DEFAULT_RULE_SETTINGS: QualityRuleSettings = {
  futureSkewMs: 5 * 60_000,
  futureHardMs: 7 * 86_400_000,
  maxObservationLagMs: 72 * 3_600_000,
  counterDecreaseRatio: 0.01,
  counterDecreaseFloor: 10,
  maxEngagementRate: 1,
  maxPlausibleCounter: 1e13,
  maxDurationMs: 24 * 3_600_000,
  duplicateMemoryEvents: 50_000,
  anomaly: { windowSamples: 64, threshold: 3.5, minSamples: 8 },
};

/** A stateless rule: the flags it raises about one event, in a fixed order. */
export type Rule = (subject: AssessedEvent, settings: QualityRuleSettings) => QualityFlag[];

/** A number in a detail: integers as they are, fractions to 4 decimals (details are compared in golden files). */
export function show(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e4) / 1e4);
}

export function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : String(ms);
}

/** A span of time in a detail, in the largest unit that keeps it readable, to one decimal. */
export function span(ms: number): string {
  const abs = Math.abs(ms);
  const [unit, name] =
    abs >= 2 * 86_400_000 ? [86_400_000, 'd'] : abs >= 2 * 3_600_000 ? [3_600_000, 'h'] : abs >= 2 * 60_000 ? [60_000, 'min'] : [1000, 's'];
  return `${Math.round((ms / unit) * 10) / 10} ${name}`;
}
