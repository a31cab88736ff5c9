// Event-loop lag: how late a timer fires compared with when it was due. An idle loop reads close to 0, a loop blocked
// for 200 ms reads about 0.2 s (what perf_hooks.monitorEventLoopDelay reports includes its own timer interval).

/** Lag statistics in seconds over the samples since the previous read. */
export interface LagStats {
  mean: number;
  p50: number;
  p99: number;
  max: number;
  count: number;
}

/** Samples the lag with one unref'd timer; keeps the last `capacity` samples until takeStats() reads them. */
export class EventLoopLag {
  readonly #intervalMs: number;
  readonly #samples: Float64Array;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs = 20, capacity = 4096) {
    this.#intervalMs = intervalMs;
    this.#samples = new Float64Array(capacity);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const due = performance.now() + this.#intervalMs;
    this.#timer = setTimeout(() => {
      this.#samples[this.#count++ % this.#samples.length] = Math.max(0, performance.now() - due);
      this.#schedule();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Statistics of the samples since the last call (zeros when there are none), then starts a new window. */
  takeStats(): LagStats {
    const n = Math.min(this.#count, this.#samples.length);
    this.#count = 0;
    if (n === 0) return { mean: 0, p50: 0, p99: 0, max: 0, count: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    const at = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * n))]! / 1000;
    return { mean: sum / n / 1000, p50: at(0.5), p99: at(0.99), max: sorted[n - 1]! / 1000, count: n };
  }
}
