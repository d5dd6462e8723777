/**
 * The statistics of the reports: percentiles of a sample and the mean with a
 * 95% confidence interval over the runs of a sweep (Student's t, since a sweep
 * has few runs: with 5 seeds the half-width is 2.78 standard errors, not 1.96).
 *
 * @module
 */

/**
 * The `p`-th percentile (0–100) of `sorted` (ascending) by the nearest-rank
 * method: the smallest value with at least p% of the sample at or below it.
 * `NaN` for an empty sample.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1];
}

/** A mean with its 95% confidence interval. */
export interface MeanCi {
  /** The sample mean. */
  readonly mean: number;
  /** Half-width of the 95% interval (0 for one value). */
  readonly ci95: number;
  /** Number of values. */
  readonly n: number;
}

/** Two-sided 97.5% quantiles of Student's t for 1–30 degrees of freedom. */
const T975 = [
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

/** Mean ± 95% CI (Student's t with n − 1 degrees of freedom; 1.96 beyond 30). */
export function meanCi(values: readonly number[]): MeanCi {
  const n = values.length;
  if (n === 0) return { mean: NaN, ci95: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, ci95: 0, n };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const t = n - 1 <= T975.length ? T975[n - 2] : 1.96;
  return { mean, ci95: t * Math.sqrt(variance / n), n };
}

/** Rounds to `digits` decimals, so that reports stay readable (and stable across platforms). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The two-sample Kolmogorov–Smirnov distance: the largest vertical gap
 * between the empirical CDFs of `a` and `b` (0: same distribution of values,
 * 1: disjoint ranges). Both are sorted copies' worth of work: O((n + m) log).
 * `NaN` when either sample is empty.
 */
export function ksDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return NaN;
  const x = [...a].sort((p, q) => p - q), y = [...b].sort((p, q) => p - q);
  let i = 0, j = 0, d = 0;
  while (i < x.length && j < y.length) {
    // Step past every copy of the smaller value in both samples before comparing:
    // ties must move both CDFs at once.
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** A log-normal fit: `median` = e^μ and `sigma` = σ of the logarithms. */
export interface LogNormalFit {
  /** e^(mean of the logarithms). */
  readonly median: number;
  /** Standard deviation of the logarithms (n − 1). */
  readonly sigma: number;
}

/**
 * Fits a log-normal distribution to positive values by the moments of their
 * logarithms (the maximum-likelihood estimate, but for n − 1). Values ≤ 0 are
 * left out; `NaN` fields when fewer than two remain.
 */
export function fitLogNormal(values: readonly number[]): LogNormalFit {
  const logs = values.filter((v) => v > 0).map(Math.log);
  const n = logs.length;
  if (n < 2) return { median: NaN, sigma: NaN };
  const mu = logs.reduce((s, v) => s + v, 0) / n;
  const variance = logs.reduce((s, v) => s + (v - mu) ** 2, 0) / (n - 1);
  return { median: Math.exp(mu), sigma: Math.sqrt(variance) };
}
