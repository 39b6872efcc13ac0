/**
 * Small, pure statistics for the benchmarks: summaries of samples, a seeded PRNG (so every run and every
 * strategy sees the same job durations), and the busiest 1-second window of a list of timestamps.
 */

import { percentile, seededRandom } from "../provider/waiter/simulate";

export { percentile, seededRandom };

/** Mean, percentiles and extremes of a sample. */
export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
}


/** Summarizes `values` (any order). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / n;
  return {
    n,
    mean,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: n ? sorted[0]! : Number.NaN,
    max: n ? sorted[n - 1]! : Number.NaN,
  };
}


/**
 * The largest number of timestamps (ms) inside any window `[t, t + windowMs)` that starts at one of
 * them: the achieved peak rate over sliding windows.
 */
export function maxInWindow(timestamps: readonly number[], windowMs = 1000): number {
  const t = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Rounds for display and JSON (keeps files readable; figures are never finer than this anyway). */
export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
