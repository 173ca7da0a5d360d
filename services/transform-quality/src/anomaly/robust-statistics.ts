// Robust location and scale for anomaly detection (Iglewicz & Hoaglin, "How to Detect and Handle
// Outliers", 1993): the median and the median absolute deviation (MAD) ignore up to half the
// samples being outliers, where a mean and standard deviation are dragged by the very spikes they
// should detect.
//
//   modified z = 0.6745 · (x − median) / MAD          (0.6745 = Φ⁻¹(0.75): MAD ≈ 0.6745 σ for normal data)
//
// MAD is 0 when more than half the samples are equal (an account whose old posts all gain 0 views
// an hour). Then the mean absolute deviation around the median stands in, scaled to the same unit:
//
//   z = (x − median) / (1.253314 · MeanAD)             (1.253314 = √(π/2): MeanAD ≈ 0.7979 σ)
//
// and when every sample is equal there is no scale at all: z is null and nothing is judged (an
// unbounded z would flag the first small change after a quiet spell).

/** Median of the values (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median of the absolute deviations from `center` (default: the median). */
export function medianAbsoluteDeviation(values: readonly number[], center = median(values)): number {
  return median(values.map((value) => Math.abs(value - center)));
}

/** Mean of the absolute deviations from `center`. */
export function meanAbsoluteDeviation(values: readonly number[], center: number): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, value) => sum + Math.abs(value - center), 0) / values.length;
}

export const MAD_CONSISTENCY = 0.6745;
export const MEAN_AD_CONSISTENCY = 1.253314;

export interface RobustScore {
  median: number;
  mad: number;
  /** Which scale z was computed with: MAD, the mean absolute deviation (MAD = 0), or none (no spread). */
  scale: 'MAD' | 'MEAN_AD' | 'NONE';
  /** The modified z-score of x, null when the samples have no spread. */
  z: number | null;
}

/** The modified z-score of `x` against `samples` (which must not be empty). */
export function robustScore(x: number, samples: readonly number[]): RobustScore {
  const center = median(samples);
  const mad = medianAbsoluteDeviation(samples, center);
  if (mad > 0) return { median: center, mad, scale: 'MAD', z: (MAD_CONSISTENCY * (x - center)) / mad };
  const meanAd = meanAbsoluteDeviation(samples, center);
  if (meanAd > 0) return { median: center, mad, scale: 'MEAN_AD', z: (x - center) / (MEAN_AD_CONSISTENCY * meanAd) };
  return { median: center, mad, scale: 'NONE', z: null };
}
