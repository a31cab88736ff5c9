// The soak's growth criterion: a resource grows when the median of the last third of a run is above the median of the
// second third by more than a tolerance. The first third is warm-up (caches, JIT, heap sizing) and not judged.
// Medians of whole thirds ignore single spikes (a GC cycle, a burst of reconnects), so one sample cannot fail a run,
// while a steady leak moves the whole last third up.

/** A tolerance: growth is allowed up to the larger of `absolute` (in the series' unit) and `relative` × the baseline. */
export interface GrowthTolerance {
  readonly absolute: number;
  readonly relative: number;
}

/** The verdict on one series. */
export interface GrowthVerdict {
  /** Median of the second third (the baseline after warm-up). */
  readonly baseline: number;
  /** Median of the last third. */
  readonly final: number;
  /** final − baseline. */
  readonly growth: number;
  /** The growth allowed. */
  readonly allowed: number;
  readonly grew: boolean;
}

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Judges a series sampled at a steady interval; needs at least 6 samples (two per third). */
export function judgeGrowth(series: readonly number[], tolerance: GrowthTolerance): GrowthVerdict {
  if (series.length < 6) throw new RangeError(`need at least 6 samples, got ${series.length}`);
  const third = Math.floor(series.length / 3);
  const baseline = median(series.slice(third, 2 * third));
  const final = median(series.slice(series.length - third));
  const growth = final - baseline;
  const allowed = Math.max(tolerance.absolute, tolerance.relative * baseline);
  return { baseline, final, growth, allowed, grew: growth > allowed };
}
