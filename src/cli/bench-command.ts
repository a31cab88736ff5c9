// `swiftlet bench`: run one load scenario, or compare brokers side by side (see docs/bench-tool.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { BenchArgError, RUN_FLAGS, parseFlags, resolveRunConfig } from '../bench/args.js';
import type { ParsedFlags } from '../bench/args.js';
import { PRESETS, availableCpus } from '../bench/config.js';
import { defaultBrokers, pinGenerator, startBroker } from '../bench/broker-process.js';
import type { BrokerSpec } from '../bench/broker-process.js';
import { runCompare } from '../bench/compare.js';
import { ProgressBar } from '../bench/progress.js';
import { formatCompare, formatResults, summarizeCompare } from '../bench/report.js';
import type { BenchResult } from '../bench/result.js';
import { runScenario } from '../bench/run-scenario.js';
import { renderSvg } from '../bench/svg-chart.js';

const USAGE = `usage:
  swiftlet bench run --scenario fanin|fanout|pairs|latency|conns|retained [flags]
  swiftlet bench compare [--broker NAME='CMD {port}']... [--rounds 3] [--scenarios 'fanin pairs-q1 ...'] [flags]
  swiftlet bench presets

run flags: --host 127.0.0.1 --port 1883 --mqtt 4|5 --qos 0|1|2 --size 64 --pubs N --subs N --pairs N
  --conns N --retained N --duration 10s --warmup 2s --drain 10s --rate MSG/S --inflight 20 --window N
  --batch 64 --workers N --prefix TOPIC --broker-pid PID --conn-parallel 64 --connect-timeout 10s
  --name NAME --label NAME --round N
  --broker NAME='CMD {port}'   start this broker on a free port for the run (mosquitto-bench {port} = Mosquitto with a bench config)
  --broker-cpu N               pin the started broker to CPU N (default 0 when taskset exists; --no-pin to disable)
  --json                       one JSON object per result on stdout instead of the table
  --svg FILE                   write an SVG chart of the results
compare flags: --broker (repeatable; first = baseline) --rounds N --scenarios LIST --duration D --warmup D
  --broker-cpu N --no-pin --json --svg FILE --dry-run, plus run flags applied to every preset (e.g. --mqtt 5)
`;

const COMMON_FLAGS = ['json', 'svg', 'broker', 'broker-cpu', 'no-pin', 'help'];

function parseBroker(text: string): BrokerSpec {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new BenchArgError(`--broker needs NAME='CMD' (got "${text}")`);
  const command = text.slice(eq + 1);
  if (!command.includes('{port}')) throw new BenchArgError(`--broker ${text.slice(0, eq)}: the command must contain {port}`);
  return { name: text.slice(0, eq), command };
}

/** File descriptors this process may open (soft limit), or Infinity when unknown. */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] === undefined ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}

function brokerCpu(flags: ParsedFlags): number | null {
  if (flags.values.has('no-pin')) return null;
  const raw = flags.values.get('broker-cpu') ?? '0';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new BenchArgError(`--broker-cpu must be a CPU number, got "${raw}"`);
  return n;
}

function emit(results: readonly BenchResult[], flags: ParsedFlags, order: readonly string[]): void {
  const svg = flags.values.get('svg');
  if (svg !== undefined) {
    writeFileSync(svg, renderSvg(results, order));
    process.stderr.write(`chart written to ${svg}\n`);
  }
}

async function commandRun(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, new Set([...RUN_FLAGS, ...COMMON_FLAGS]));
  if (flags.positional.length > 0) throw new BenchArgError(`unexpected argument "${flags.positional[0]}"`);
  const cfg = resolveRunConfig(flags);
  if (cfg.scenario === 'conns' && cfg.conns + 100 > openFileLimit()) {
    throw new BenchArgError(`--conns ${cfg.conns} needs ulimit -n >= ${cfg.conns + 100}, have ${openFileLimit()}`);
  }
  const bar = new ProgressBar();
  const brokerText = flags.values.get('broker');
  const spec = brokerText === undefined ? null : parseBroker(brokerText);
  let running = null;
  if (spec !== null) {
    const cpu = brokerCpu(flags);
    pinGenerator(cpu ?? -1, availableCpus());
    bar.setPrefix(`${cfg.name} ${spec.name}`);
    bar.update(0, 'starting broker');
    running = await startBroker(spec, { cpu, logFile: '/dev/null' });
    cfg.port = running.port;
    cfg.host = '127.0.0.1';
    cfg.brokerPid = running.pid;
    if (!flags.values.has('label')) cfg.label = spec.name;
    if (!flags.values.has('workers')) cfg.workers = availableCpus();
  } else {
    bar.setPrefix(cfg.name);
  }
  let result: BenchResult;
  try {
    result = await runScenario(cfg, (f, s) => bar.update(f, s));
  } finally {
    bar.clear();
    await running?.stop();
  }
  if (flags.values.has('json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${formatResults([result])}\n`);
  emit([result], flags, [result.label]);
  return result.verdict === 'ok' ? 0 : 1;
}

async function commandCompare(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, new Set([...RUN_FLAGS, ...COMMON_FLAGS, 'rounds', 'scenarios', 'dry-run']));
  if (flags.positional.length > 0) throw new BenchArgError(`unexpected argument "${flags.positional[0]}"`);
  const brokers = (flags.repeated.get('broker') ?? []).map(parseBroker);
  if (brokers.length === 0) brokers.push(...defaultBrokers());
  if (new Set(brokers.map((b) => b.name)).size !== brokers.length) throw new BenchArgError('--broker names must be unique');
  const rounds = Number(flags.values.get('rounds') ?? '3');
  if (!Number.isInteger(rounds) || rounds < 1) throw new BenchArgError(`--rounds must be a positive integer`);
  const scenarios = (flags.values.get('scenarios') ?? Object.keys(PRESETS).join(' ')).split(/[\s,]+/).filter((s) => s !== '');
  for (const s of scenarios) if (PRESETS[s] === undefined) throw new BenchArgError(`unknown scenario "${s}" (${Object.keys(PRESETS).join(', ')})`);
  for (const fixed of ['scenario', 'port', 'broker-pid', 'label', 'round', 'name']) {
    if (flags.values.has(fixed)) throw new BenchArgError(`--${fixed} is set by compare itself`);
  }
  const overrides: string[] = [];
  const flowOverrides = ['--duration', flags.values.get('duration') ?? '8s', '--warmup', flags.values.get('warmup') ?? '2s'];
  for (const name of RUN_FLAGS) {
    const v = flags.values.get(name);
    if (v !== undefined && name !== 'duration' && name !== 'warmup') overrides.push(`--${name}`, v);
  }
  // validate the overrides once up front so a typo fails before any broker starts
  resolveRunConfig(parseFlags(['--scenario', 'pairs', ...overrides], new Set(RUN_FLAGS)));
  const cpu = brokerCpu(flags);
  const pinned = cpu === null ? null : pinGenerator(cpu, availableCpus());
  const json = flags.values.has('json');
  const info = `brokers: ${brokers.map((b) => b.name).join(', ')} (CPU ${cpu ?? 'any'}) | generator CPUs ${pinned ?? 'any'} | rounds ${rounds} | scenarios ${scenarios.join(' ')}\n`;
  process.stderr.write(info);
  const bar = new ProgressBar();
  const results = await runCompare(
    { brokers, rounds, scenarios, overrides, flowOverrides, brokerCpu: cpu, dryRun: flags.values.has('dry-run') },
    bar,
    (r) => {
      if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stderr.write(`${formatResults([r]).split('\n')[2]}\n`);
    },
    (note) => process.stderr.write(`${note}\n`),
  );
  if (flags.values.has('dry-run')) return 0;
  const order = brokers.map((b) => b.name);
  if (!json) process.stdout.write(`\n${formatCompare(summarizeCompare(results, order))}\n`);
  emit(results, flags, order);
  const expected = rounds * scenarios.length * brokers.length;
  return results.length === expected && results.every((r) => r.verdict === 'ok') ? 0 : 1;
}

/** Runs `swiftlet bench <run|compare|presets>` with the arguments after `bench`; resolves with the exit code. */
export async function runBenchCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'run') return await commandRun(rest);
    if (sub === 'compare') return await commandCompare(rest);
    if (sub === 'presets') {
      for (const [n, a] of Object.entries(PRESETS)) process.stdout.write(`${n.padEnd(10)} ${a}\n`);
      return 0;
    }
    if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
      process.stdout.write(USAGE);
      return sub === undefined ? 2 : 0;
    }
    throw new BenchArgError(`unknown bench command "${sub}" (run, compare, presets)`);
  } catch (err) {
    if (err instanceof BenchArgError) {
      process.stderr.write(`swiftlet bench: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`swiftlet bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
