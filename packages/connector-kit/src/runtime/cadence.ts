// Adaptive polling cadence for per-content metrics, declared as data: young and fast-moving
// posts are polled every few minutes, old and quiet ones hourly, then daily. The interval is the
// age step's interval times the factor of the fastest velocity step reached, clamped to
// [minIntervalMs, maxIntervalMs]. Pure functions: the runner asks, tests prove the curve.

import type { SourceDeclaration, StreamDeclaration } from './declarations.ts';

export interface CadenceCurve {
  /** Ascending by maxAgeMs; the first step whose maxAgeMs exceeds the content's age applies, else the last. */
  byAge: ReadonlyArray<{ maxAgeMs: number; intervalMs: number }>;
  /**
   * Optional speed-ups by velocity (counter growth per hour, e.g. views/h): the step with the
   * highest minPerHour reached applies its factor (< 1 polls more often).
   */
  byVelocity?: ReadonlyArray<{ minPerHour: number; factor: number }>;
  minIntervalMs: number;
  maxIntervalMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A reasonable default: 5 min in the first hour, 15 min the first day, hourly the first week, then daily. */
export const DEFAULT_CONTENT_CADENCE: CadenceCurve = {
  byAge: [
    { maxAgeMs: HOUR, intervalMs: 5 * MINUTE },
    { maxAgeMs: DAY, intervalMs: 15 * MINUTE },
    { maxAgeMs: 7 * DAY, intervalMs: HOUR },
    { maxAgeMs: Number.POSITIVE_INFINITY, intervalMs: DAY },
  ],
  byVelocity: [
    { minPerHour: 100, factor: 0.5 },
    { minPerHour: 1_000, factor: 0.25 },
  ],
  minIntervalMs: 2 * MINUTE,
  maxIntervalMs: DAY,
};

/** Milliseconds until the next poll of content `ageMs` old, growing `velocityPerHour` (0 when unknown). */
export function pollIntervalMs(curve: CadenceCurve, ageMs: number, velocityPerHour = 0): number {
  const steps = curve.byAge;
  if (steps.length === 0) return curve.maxIntervalMs;
  const step = steps.find((candidate) => Math.max(0, ageMs) < candidate.maxAgeMs) ?? steps[steps.length - 1]!;
  let factor = 1;
  let reached = Number.NEGATIVE_INFINITY;
  for (const speed of curve.byVelocity ?? []) {
    if (velocityPerHour >= speed.minPerHour && speed.minPerHour > reached) {
      reached = speed.minPerHour;
      factor = speed.factor;
    }
  }
  return Math.min(curve.maxIntervalMs, Math.max(curve.minIntervalMs, Math.round(step.intervalMs * factor)));
}

/** Counter growth per hour between two observations; 0 when it cannot be told (first observation, no time passed, a counter that went down). */
export function velocityPerHour(previous: { count: number; at: number } | undefined, current: { count: number; at: number }): number {
  if (!previous || current.at <= previous.at) return 0;
  const growth = current.count - previous.count;
  return growth <= 0 ? 0 : (growth * HOUR) / (current.at - previous.at);
}

/**
 * Every polling interval and collection slot of a source multiplied by `scale` (0 < scale ≤ 1):
 * `source.cadenceScale` for demos and tests that need several snapshots per post in minutes.
 * Tracking windows and lookbacks stay as declared; intervals never drop below one second.
 */
export function scaleDeclaration(declaration: SourceDeclaration, scale: number): SourceDeclaration {
  if (scale === 1) return declaration;
  const scaled = (ms: number): number => (Number.isFinite(ms) ? Math.max(1_000, Math.round(ms * scale)) : ms);
  const scaleCurve = (curve: CadenceCurve): CadenceCurve => ({
    ...curve,
    byAge: curve.byAge.map((step) => ({ ...step, intervalMs: scaled(step.intervalMs) })),
    minIntervalMs: scaled(curve.minIntervalMs),
    maxIntervalMs: scaled(curve.maxIntervalMs),
  });
  return {
    ...declaration,
    streams: declaration.streams.map((stream): StreamDeclaration => {
      const bucket = stream.snapshotBucketMs === undefined ? {} : { snapshotBucketMs: scaled(stream.snapshotBucketMs) };
      if (stream.kind === 'fan-out') return { ...stream, cadence: scaleCurve(stream.cadence), ...bucket };
      return { ...stream, everyMs: scaled(stream.everyMs), ...bucket };
    }),
  };
}
