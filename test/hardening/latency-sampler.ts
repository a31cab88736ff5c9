// Keeps a probe making QoS 1 round trips back to back and files each sample under the phase it was taken in.
import { summarizeLatency } from '../../src/bench/percentiles.js';
import type { LatencySummary } from '../../src/bench/percentiles.js';
import type { Probe } from './probe.js';

/** Round-trip samples (ns) by phase name, taken by probes until stop(). */
export class LatencySampler {
  phase = 'baseline';
  readonly samples = new Map<string, number[]>();
  readonly failures: string[] = [];
  #running = true;
  readonly #loops: Promise<void>[];

  constructor(probes: readonly Probe[], pauseMs = 10) {
    this.#loops = probes.map(async (probe) => {
      while (this.#running) {
        const phase = this.phase;
        try {
          const ns = await probe.roundTrip();
          let list = this.samples.get(phase);
          if (list === undefined) this.samples.set(phase, (list = []));
          list.push(ns);
        } catch (err) {
          this.failures.push(`${phase}: ${String(err)}`);
        }
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
  }

  /** Latency summary (µs) of one phase. */
  summary(phase: string): LatencySummary {
    return summarizeLatency(this.samples.get(phase) ?? []);
  }

  /** Stops the loops after their current round trip. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}
