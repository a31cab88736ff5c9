// `bench compare`: fresh broker per run, pinned apart from the generator, rounds interleaved, medians and ratios.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FLAGS, parseFlags, resolveRunConfig } from './args.js';
import { PRESETS, isFlowScenario } from './config.js';
import type { Scenario } from './config.js';
import { startBroker } from './broker-process.js';
import type { BrokerSpec } from './broker-process.js';
import type { ProgressBar } from './progress.js';
import { runScenario } from './run-scenario.js';
import type { BenchResult } from './result.js';

/** Settings of a comparison. */
export interface CompareOptions {
  brokers: BrokerSpec[];
  rounds: number;
  scenarios: string[];
  /** Flags appended to every preset (e.g. --mqtt 5, --workers 2). */
  overrides: string[];
  /** Flags appended to the flow presets only (--duration, --warmup). */
  flowOverrides: string[];
  /** CPU to pin brokers to, null for no pinning. */
  brokerCpu: number | null;
  logDir?: string;
  dryRun?: boolean;
}

/** The broker order of a round: as given in odd rounds, reversed in even ones, so none always goes first. */
export function brokerOrderForRound(brokers: readonly BrokerSpec[], round: number): BrokerSpec[] {
  return round % 2 === 0 ? [...brokers].reverse() : [...brokers];
}

/** The flags of one preset run, with the overrides applied after the preset's own. */
export function presetArgs(name: string, opts: Pick<CompareOptions, 'overrides' | 'flowOverrides'>): string[] {
  const preset = PRESETS[name];
  if (preset === undefined) throw new Error(`unknown scenario preset "${name}" (${Object.keys(PRESETS).join(', ')})`);
  const args = preset.split(' ');
  const scenario = args[args.indexOf('--scenario') + 1] as Scenario;
  return [...args, ...(isFlowScenario(scenario) ? opts.flowOverrides : []), ...opts.overrides, '--name', name];
}

/** Runs the comparison; calls onResult for each result (and onNote for skipped runs) as it goes. */
export async function runCompare(
  opts: CompareOptions,
  bar: ProgressBar,
  onResult: (r: BenchResult) => void,
  onNote: (text: string) => void,
): Promise<BenchResult[]> {
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'swiftlet-bench-'));
  const results: BenchResult[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const scen of opts.scenarios) {
      for (const broker of brokerOrderForRound(opts.brokers, round)) {
        const args = presetArgs(scen, opts);
        if (opts.dryRun === true) {
          onNote(`round ${round} ${scen} ${broker.name}: ${broker.command} | swiftlet bench run ${args.join(' ')}`);
          continue;
        }
        bar.setPrefix(`round ${round}/${opts.rounds} ${scen} ${broker.name}`);
        bar.update(0, 'starting broker');
        let running;
        try {
          running = await startBroker(broker, { cpu: opts.brokerCpu, logFile: join(logDir, `broker-${broker.name}.log`) });
        } catch (err) {
          bar.clear();
          onNote(`round ${round} ${scen} ${broker.name}: skipped: ${(err as Error).message}`);
          continue;
        }
        try {
          const cfg = resolveRunConfig(
            parseFlags(
              [...args, '--port', String(running.port), '--broker-pid', String(running.pid), '--label', broker.name, '--round', String(round)],
              new Set(RUN_FLAGS),
            ),
          );
          const r = await runScenario(cfg, (f, s) => bar.update(f, s));
          if (!running.alive()) r.verdict = r.verdict === 'ok' ? 'broker exited' : `${r.verdict}; broker exited`;
          bar.clear();
          results.push(r);
          onResult(r);
        } catch (err) {
          bar.clear();
          onNote(`round ${round} ${scen} ${broker.name}: failed: ${(err as Error).message}`);
        } finally {
          await running.stop();
        }
      }
    }
  }
  return results;
}
