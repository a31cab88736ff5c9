// Flag parsing for `swiftlet bench`: `--name value` or `--name=value`, typed and checked.
import { randomBytes } from 'node:crypto';
import { SCENARIOS, availableCpus, parseDuration } from './config.js';
import type { RunConfig, Scenario } from './config.js';
import { PAYLOAD_HEADER } from './verify.js';

/** A command-line mistake; the message says which flag and why. */
export class BenchArgError extends Error {}

/** Flags split into a map of last values, repeated values and positional words. */
export interface ParsedFlags {
  values: Map<string, string>;
  repeated: Map<string, string[]>;
  positional: string[];
}

/** Boolean flags (no value). */
const BOOLEAN_FLAGS = new Set(['json', 'quiet', 'help', 'no-pin', 'list', 'dry-run']);

/** Splits argv into flags and positional words; `known` lists the accepted flag names. */
export function parseFlags(argv: readonly string[], known: ReadonlySet<string>): ParsedFlags {
  const values = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!known.has(name)) throw new BenchArgError(`unknown flag --${name} (see swiftlet bench --help)`);
    let value: string;
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq !== -1) throw new BenchArgError(`--${name} takes no value`);
      value = 'true';
    } else if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new BenchArgError(`--${name} needs a value`);
      value = next;
      i++;
    }
    values.set(name, value);
    const list = repeated.get(name) ?? [];
    list.push(value);
    repeated.set(name, list);
  }
  return { values, repeated, positional };
}

/** Flags that describe one scenario run. */
export const RUN_FLAGS = [
  'scenario', 'name', 'label', 'round', 'host', 'port', 'mqtt', 'qos', 'size', 'pubs', 'subs', 'pairs', 'conns',
  'retained', 'duration', 'warmup', 'drain', 'rate', 'inflight', 'window', 'batch', 'workers', 'prefix',
  'broker-pid', 'conn-parallel', 'connect-timeout',
] as const;

function int(flags: ParsedFlags, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = flags.values.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new BenchArgError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return v;
}

function duration(flags: ParsedFlags, name: string, fallback: number): number {
  const raw = flags.values.get(name);
  if (raw === undefined) return fallback;
  try {
    return parseDuration(raw);
  } catch (err) {
    throw new BenchArgError(`--${name}: ${(err as Error).message}`);
  }
}

/** Builds a run configuration from flags, applying the per-scenario defaults. */
export function resolveRunConfig(flags: ParsedFlags): RunConfig {
  const scenarioText = flags.values.get('scenario');
  if (scenarioText === undefined) throw new BenchArgError(`--scenario is required (${SCENARIOS.join(', ')})`);
  if (!(SCENARIOS as readonly string[]).includes(scenarioText)) {
    throw new BenchArgError(`unknown scenario "${scenarioText}" (${SCENARIOS.join(', ')})`);
  }
  const scenario = scenarioText as Scenario;
  const mqtt = int(flags, 'mqtt', 4, 4, 5) as 4 | 5;
  const qos = int(flags, 'qos', scenario === 'retained' ? 1 : 0, 0, 2) as 0 | 1 | 2;
  const size = int(flags, 'size', 64, PAYLOAD_HEADER, 256 * 1024 * 1024);
  let pubs = 1;
  let subs = 1;
  if (scenario === 'fanin') {
    pubs = int(flags, 'pubs', 10, 1, 100000);
    subs = int(flags, 'subs', 1, 1, 1);
  } else if (scenario === 'fanout') {
    pubs = int(flags, 'pubs', 1, 1, 1);
    subs = int(flags, 'subs', 100, 1, 100000);
  } else if (scenario === 'pairs' || scenario === 'latency') {
    pubs = subs = int(flags, 'pairs', scenario === 'pairs' ? 20 : 1, 1, 100000);
  }
  const rate = Number(flags.values.get('rate') ?? (scenario === 'latency' ? 5000 : 0));
  if (!Number.isFinite(rate) || rate < 0) throw new BenchArgError(`--rate must be a number >= 0`);
  if (scenario === 'latency' && rate === 0) throw new BenchArgError('--rate must be > 0 for the latency scenario');
  const openLoop = scenario === 'latency' || rate > 0;
  const defaultName = scenario === 'pairs' ? `pairs-q${qos}` : scenario;
  return {
    scenario,
    name: flags.values.get('name') ?? defaultName,
    label: flags.values.get('label') ?? 'broker',
    round: int(flags, 'round', 0, 0),
    host: flags.values.get('host') ?? '127.0.0.1',
    port: int(flags, 'port', 1883, 1, 65535),
    mqtt,
    qos,
    size,
    pubs,
    subs,
    conns: int(flags, 'conns', 1000, 1, 1000000),
    retained: int(flags, 'retained', 10000, 1, 10000000),
    durationMs: duration(flags, 'duration', 10000),
    warmupMs: duration(flags, 'warmup', 2000),
    drainMs: duration(flags, 'drain', 10000),
    rate,
    inflight: int(flags, 'inflight', 20, 1, 65535),
    window: int(flags, 'window', openLoop ? 0 : qos === 0 ? 2000 : 800, 0),
    batch: int(flags, 'batch', 64, 1, 65535),
    workers: int(flags, 'workers', availableCpus(), 1, 256),
    prefix: flags.values.get('prefix') ?? `bench/${randomBytes(4).toString('hex')}`,
    brokerPid: int(flags, 'broker-pid', 0, 0),
    connParallel: int(flags, 'conn-parallel', 64, 1, 10000),
    connectTimeoutMs: duration(flags, 'connect-timeout', 10000),
  };
}
