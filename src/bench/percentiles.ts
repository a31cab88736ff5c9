// Latency percentiles by the nearest-rank method over all samples (no binning error).

/** Latency summary in microseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The nearest-rank p-th percentile (0 < p <= 100) of ascending-sorted values; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

/** Summarises latency samples given in nanoseconds as microseconds; sorts a copy. */
export function summarizeLatency(samplesNs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesNs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  const us = (v: number): number => Math.round(v / 10) / 100; // µs with 2 decimals
  return {
    count: n,
    p50: us(percentile(sorted, 50)),
    p90: us(percentile(sorted, 90)),
    p99: us(percentile(sorted, 99)),
    max: n === 0 ? Number.NaN : us(sorted[n - 1]!),
    mean: n === 0 ? Number.NaN : us(sum / n),
  };
}
