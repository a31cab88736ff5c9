// Settings of one benchmark run, their defaults per scenario, and the presets of `bench compare`.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import type { BenchProtocol } from './packets.js';

/** Scenario kinds the generator can run. */
export const SCENARIOS = ['fanin', 'fanout', 'pairs', 'latency', 'conns', 'retained'] as const;
/** One scenario kind. */
export type Scenario = (typeof SCENARIOS)[number];

/** Everything one run needs; built by `resolveRunConfig` from flags. */
export interface RunConfig {
  scenario: Scenario;
  /** Result name, e.g. `pairs-q1`. */
  name: string;
  /** Broker label written into results. */
  label: string;
  round: number;
  host: string;
  port: number;
  mqtt: BenchProtocol;
  qos: 0 | 1 | 2;
  /** Payload bytes, at least the 16-byte verification header. */
  size: number;
  pubs: number;
  subs: number;
  conns: number;
  retained: number;
  /** Measurement window, ms. */
  durationMs: number;
  /** Warm-up before the window, ms (not measured). */
  warmupMs: number;
  /** Longest wait for outstanding deliveries after publishing stops, ms. */
  drainMs: number;
  /** Total offered rate in msg/s over all publishers; 0 = as fast as the broker takes them. */
  rate: number;
  /** Unacknowledged QoS 1/2 messages per publisher. */
  inflight: number;
  /** End-to-end budget of deliveries sent but not yet received, over all publishers; 0 = open loop. */
  window: number;
  /** Messages per pre-encoded write. */
  batch: number;
  /** Worker threads carrying the clients. */
  workers: number;
  /** Topic prefix; unique per run so retained leftovers never mix in. */
  prefix: string;
  /** Broker process id for CPU and RSS readings, 0 when unknown. */
  brokerPid: number;
  /** Concurrent handshakes in the conns scenario. */
  connParallel: number;
  /** Time allowed for each CONNACK/SUBACK, ms. */
  connectTimeoutMs: number;
}

/** CPUs this process may run on (its affinity mask), falling back to the machine's count. */
export function availableCpus(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(status);
    if (m?.[1] !== undefined) return countCpuList(m[1]);
  } catch {
    // not Linux: fall through
  }
  return availableParallelism();
}

/** Counts the CPUs in a list such as `0-3,6`. */
export function countCpuList(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (Number.isInteger(lo) && Number.isInteger(hi) && hi >= lo) n += hi - lo + 1;
  }
  return Math.max(1, n);
}

/** Parses `8s`, `500ms`, `2m` or a bare number of seconds into ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new Error(`bad duration "${text}" (use e.g. 500ms, 8s, 2m)`);
  const v = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? v : unit === 's' ? v * 1000 : v * 60000);
}

/** Preset scenarios of `bench compare`, mirroring the independent yardstick's set. */
export const PRESETS: Readonly<Record<string, string>> = {
  fanin: '--scenario fanin --pubs 10 --qos 0 --size 64',
  fanout: '--scenario fanout --pubs 1 --subs 100 --qos 0 --size 64',
  'pairs-q0': '--scenario pairs --pairs 20 --qos 0 --size 64',
  'pairs-q1': '--scenario pairs --pairs 20 --qos 1 --size 64',
  'pairs-q2': '--scenario pairs --pairs 20 --qos 2 --size 64',
  latency: '--scenario latency --pairs 1 --rate 5000 --qos 0 --size 64',
  conns: '--scenario conns --conns 10000',
  retained: '--scenario retained --retained 100000 --size 64',
};

/** True for the scenarios that publish continuously and take --duration/--warmup. */
export function isFlowScenario(s: Scenario): boolean {
  return s === 'fanin' || s === 'fanout' || s === 'pairs' || s === 'latency';
}
