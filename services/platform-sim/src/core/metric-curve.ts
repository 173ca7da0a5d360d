// Metrics that evolve over simulated time, as a closed-form function of time so any instant can be
// served in any order: value(t) = final × (1 − e^(−age/τ)) (fast growth after publish, decaying
// velocity), minus occasional downward revisions (spam views removed) that take a fraction of the
// value reached at the revision instant. Integers, never negative.
import type { SeededRandom } from './random.ts';

export interface MetricCurve {
  publishedAt: number;
  /** Growth time constant: about 63 % of the final value is reached after τ. */
  tauMs: number;
  /** Asymptotic value per metric name. */
  finals: Record<string, number>;
  /** Downward revisions: at `at`, `fraction` of every metric's value then is removed. */
  revisions: { at: number; fraction: number }[];
}

export interface CurveOptions {
  publishedAt: number;
  /** Order of magnitude of the main metric (views). */
  scale: number;
  /** Ratios of the other metrics to the main one, e.g. { likes: 0.05 }. */
  ratios: Record<string, number>;
  mainMetric: string;
  /** Probability that a post gets one downward revision in its first week. */
  revisionProbability: number;
}

const HOUR = 3_600_000;

export function createCurve(random: SeededRandom, options: CurveOptions): MetricCurve {
  const main = Math.round(options.scale * Math.exp(random.float(-2.5, 2)));
  const finals: Record<string, number> = { [options.mainMetric]: main };
  for (const [name, ratio] of Object.entries(options.ratios)) finals[name] = Math.round(main * ratio * random.float(0.5, 1.5));
  const revisions = random.chance(options.revisionProbability)
    ? [{ at: options.publishedAt + random.float(2, 7 * 24) * HOUR, fraction: random.float(0.02, 0.15) }]
    : [];
  return { publishedAt: options.publishedAt, tauMs: random.float(6, 96) * HOUR, finals, revisions };
}

function growth(curve: MetricCurve, final: number, time: number): number {
  const age = time - curve.publishedAt;
  return age <= 0 ? 0 : final * (1 - Math.exp(-age / curve.tauMs));
}

export function metricAt(curve: MetricCurve, name: string, time: number): number {
  const final = curve.finals[name] ?? 0;
  let value = growth(curve, final, time);
  for (const revision of curve.revisions) if (revision.at <= time) value -= revision.fraction * growth(curve, final, revision.at);
  return Math.max(0, Math.floor(value));
}

export function metricsAt(curve: MetricCurve, time: number): Record<string, number> {
  return Object.fromEntries(Object.keys(curve.finals).map((name) => [name, metricAt(curve, name, time)]));
}

/** When the (unrevised) curve of `name` first reaches `count`; Infinity if never. Places comments in time. */
export function timeToReach(curve: MetricCurve, name: string, count: number): number {
  const final = curve.finals[name] ?? 0;
  if (count >= final) return Infinity;
  return curve.publishedAt + Math.ceil(-curve.tauMs * Math.log(1 - count / final));
}
