// One complete fuzz check of the real broker: start it, fuzz it, then prove it survived (alive, a clean QoS 1 round
// trip in 3.1.1 and 5.0, nothing uncaught on stderr, every fuzz connection released) and report its peak memory.
import { fuzzBroker } from './broker-fuzzer.js';
import type { FuzzReport } from './broker-fuzzer.js';
import { hardeningConfig, startBrokerUnderTest } from './broker-under-test.js';
import { cleanRoundTrip } from './probe.js';

/** Knobs of a fuzz check (see FuzzOptions). */
export interface FuzzCheckOptions {
  seconds: number;
  connections: number;
  concurrency: number;
  seed: number;
  lingerMs?: number;
}

/** What the broker looked like after the fuzz. */
export interface FuzzCheckResult {
  fuzz: FuzzReport;
  alive: boolean;
  /** Round trip of a clean client after the fuzz, ms; undefined when it failed (see `errors`). */
  roundTripMs: { v4?: number; v5?: number };
  /** stderr lines that show a defect (uncaught exception, unhandled rejection, error-level log). */
  problems: string[];
  /** Broker RSS before the fuzz and its high-water mark during it, MiB. */
  rssBeforeMiB: number;
  peakRssMiB: number;
  /** Broker file descriptors before the fuzz and after the fuzz connections are gone. */
  fdsBefore: number;
  fdsAfter: number;
  errors: string[];
}

// The broker the fuzz attacks: short connect timeout so lingering half-open peers are cut, bounded sessions.
const FUZZ_CONFIG = hardeningConfig(['capabilities:', '  connectTimeout: 2000', '  maximumSessionExpiryInterval: 30']);

const mib = (kb: number): number => Math.round(kb / 102.4) / 10;

/** Runs the fuzz against a fresh broker process and collects the evidence; never throws for a broker defect. */
export async function runFuzzCheck(o: FuzzCheckOptions, onProgress?: (r: FuzzReport, rssMiB: number) => void): Promise<FuzzCheckResult> {
  const broker = await startBrokerUnderTest(FUZZ_CONFIG);
  const errors: string[] = [];
  const roundTripMs: FuzzCheckResult['roundTripMs'] = {};
  try {
    const rssBeforeMiB = mib(broker.rssKb());
    const fdsBefore = broker.openFds();
    const fuzz = await fuzzBroker({ port: broker.port, seed: o.seed, seconds: o.seconds, connections: o.connections, concurrency: o.concurrency, lingerMs: o.lingerMs }, (r) =>
      onProgress?.(r, mib(broker.rssKb())),
    );
    const alive = broker.alive();
    if (alive) {
      for (const v of [4, 5] as const) {
        try {
          roundTripMs[`v${v}`] = (await cleanRoundTrip(broker.port, v)) / 1e6;
        } catch (err) {
          errors.push(`clean ${v === 4 ? '3.1.1' : '5.0'} round trip: ${String(err)}`);
        }
      }
    } else errors.push('the broker process exited during the fuzz');
    // Every fuzz socket is closed on our side; the broker must have let go of all of them (give it a moment under load).
    let fdsAfter = broker.openFds();
    for (let i = 0; i < 100 && fdsAfter > fdsBefore; i++) {
      await new Promise((r) => setTimeout(r, 50));
      fdsAfter = broker.openFds();
    }
    return { fuzz, alive, roundTripMs, problems: broker.problems(), rssBeforeMiB, peakRssMiB: mib(broker.peakRssKb()), fdsBefore, fdsAfter, errors };
  } finally {
    await broker.stop();
  }
}
