// Runs one scenario of any kind.
import type { RunConfig } from './config.js';
import { runConns } from './conns.js';
import { runFlow } from './flow.js';
import type { ProgressFn } from './flow.js';
import { runRetained } from './retained.js';
import type { BenchResult } from './result.js';

/** Runs the scenario named in cfg and returns its result. */
export async function runScenario(cfg: RunConfig, progress?: ProgressFn): Promise<BenchResult> {
  switch (cfg.scenario) {
    case 'conns':
      return runConns(cfg, progress);
    case 'retained':
      return runRetained(cfg, progress);
    case 'fanin':
    case 'fanout':
    case 'pairs':
    case 'latency':
      return runFlow(cfg, progress);
  }
}
