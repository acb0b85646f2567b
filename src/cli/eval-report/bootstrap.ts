/**
 * Bootstrap confidence intervals with a seeded PRNG, so a comparison printed twice for the same results and seed
 * says the same thing (a CI gate must not flip on a rerun of the report). Percentile method: resample with
 * replacement, take the mean of each resample, read the 2.5 % and 97.5 % quantiles of those means.
 */

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile (0..1) of sorted values, interpolating linearly between neighbours (R's type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const low = sorted[lo] as number;
  return low + ((sorted[hi] as number) - low) * (at - lo);
}

export interface BootstrapOptions {
  seed: number;
  /** Resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

/** A mean and its bootstrap confidence interval. */
export interface MeanInterval {
  mean: number;
  low: number;
  high: number;
}

export const DEFAULT_RESAMPLES = 2000;

const meanOf = (values: readonly number[]): number =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;

/**
 * The mean of `values` with a percentile bootstrap interval. For paired data pass the per-pair differences: that
 * is the paired bootstrap (pairs are resampled together, so what the two sides share cancels out).
 */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions): MeanInterval {
  const mean = meanOf(values);
  if (values.length === 0) return { mean: 0, low: 0, high: 0 };
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  const random = mulberry32(options.seed);
  const n = values.length;
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)] as number;
    means[r] = sum / n;
  }
  means.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { mean, low: quantile(means, tail), high: quantile(means, 1 - tail) };
}
