// Coordinator of the flow scenarios (fan-in, fan-out, pairs, latency): spreads clients over worker
// threads, opens the measurement window after the warm-up, drains, and collects the verification.
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunConfig } from './config.js';
import { availableCpus } from './config.js';
import { MEASURING, PHASE, Phase, controlWords, countersBytes, createCounters, fanOf } from './flow-shared.js';
import type { FlowWorkerData, FlowWorkerMessage } from './flow-shared.js';
import { CpuMeter } from './proc-stats.js';
import { summarizeLatency } from './percentiles.js';
import type { BenchResult } from './result.js';
import { createVerification, mergeVerification, verdictOf } from './verify.js';

/** Reports progress as a fraction from 0 to 1 with a short status text. */
export type ProgressFn = (fraction: number, status: string) => void;

/** Starts the worker thread script; under tsx (sources as .ts) the worker needs tsx's loader too. */
function createWorker(data: FlowWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./flow-worker.js', import.meta.url), { workerData: data });
  // tsx registers its loader on the main thread only: register it in the worker, then load the script
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const script = JSON.stringify(new URL('./flow-worker.ts', import.meta.url).href);
  const code = `import(${api}).then((m) => { m.register(); return import(${script}); })`;
  return new Worker(code, { eval: true, workerData: data });
}

/** Runs one flow scenario against a broker and returns its result. */
export async function runFlow(cfg: RunConfig, progress: ProgressFn = () => undefined): Promise<BenchResult> {
  const workers = Math.max(1, Math.min(cfg.workers, cfg.pubs + cfg.subs));
  const config: RunConfig = { ...cfg, workers };
  const countersBuf = new SharedArrayBuffer(countersBytes(cfg.pubs, workers));
  const controlBuf = new SharedArrayBuffer(controlWords(workers) * 4);
  const counters = createCounters(countersBuf, cfg.pubs, workers);
  const control = new Int32Array(controlBuf);
  const runId = `sb${randomBytes(3).toString('hex')}`;
  const fan = fanOf(cfg);

  // subscribers and publishers round-robin, offset so a pair's two ends sit on different threads
  const plan = Array.from({ length: workers }, () => ({ pubs: [] as number[], subs: [] as number[] }));
  for (let i = 0; i < cfg.pubs; i++) plan[i % workers]!.pubs.push(i);
  for (let j = 0; j < cfg.subs; j++) plan[(j + 1) % workers]!.subs.push(j);

  const threads: Worker[] = [];
  const done: Promise<FlowWorkerMessage & { type: 'done' }>[] = [];
  const ready: Promise<void>[] = [];
  for (let w = 0; w < workers; w++) {
    const wd: FlowWorkerData = { config, index: w, pubs: plan[w]!.pubs, subs: plan[w]!.subs, runId, counters: countersBuf, control: controlBuf };
    const t = createWorker(wd);
    threads.push(t);
    let onReady: () => void = () => undefined;
    let onFail: (e: Error) => void = () => undefined;
    ready.push(new Promise<void>((res, rej) => ((onReady = res), (onFail = rej))));
    done.push(
      new Promise((res, rej) => {
        t.on('message', (m: FlowWorkerMessage) => {
          if (m.type === 'ready') onReady();
          else if (m.type === 'error') onFail(new Error(m.message));
          else res(m);
        });
        t.on('error', (e) => {
          onFail(e);
          rej(e);
        });
        t.on('exit', (code) => {
          const e = new Error(`worker ${w} exited with code ${code}`);
          onFail(e);
          rej(e);
        });
      }),
    );
  }
  const stopAll = async (): Promise<void> => {
    await Promise.all(threads.map((t) => t.terminate()));
  };
  for (const d of done) d.catch(() => undefined);

  try {
    progress(0, 'connecting');
    await Promise.all(ready);
  } catch (err) {
    await stopAll();
    throw err;
  }

  const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
  const meter = new CpuMeter(cfg.brokerPid);
  Atomics.store(control, PHASE, Phase.RUN);
  for (const t of threads) t.postMessage({ type: 'start' });
  const t0 = Date.now();
  const total = cfg.warmupMs + cfg.durationMs;
  const waitUntil = async (ms: number, label: string): Promise<void> => {
    for (let now = Date.now() - t0; now < ms; now = Date.now() - t0) {
      progress(Math.min(1, now / total), label);
      await sleep(Math.min(200, ms - now));
    }
  };
  await waitUntil(cfg.warmupMs, 'warm-up');
  const p0 = sum(counters.published);
  const d0 = sum(counters.delivered);
  const w0 = process.hrtime.bigint();
  meter.start();
  Atomics.store(control, MEASURING, 1);
  await waitUntil(total, 'measuring');
  Atomics.store(control, MEASURING, 0);
  const p1 = sum(counters.published);
  const d1 = sum(counters.delivered);
  const windowS = Number(process.hrtime.bigint() - w0) / 1e9;
  const cpu = meter.stop();
  Atomics.store(control, PHASE, Phase.STOP);

  // drain: wait for outstanding deliveries and acknowledgements, giving up once nothing moves
  progress(1, 'draining');
  const drainStart = Date.now();
  let last = -1;
  let lastMove = Date.now();
  while (Date.now() - drainStart < cfg.drainMs) {
    const delivered = sum(counters.delivered);
    const inflight = sum(counters.inflight);
    if (delivered >= sum(counters.published) * fan && inflight === 0) break;
    if (delivered + inflight !== last) {
      last = delivered + inflight;
      lastMove = Date.now();
    } else if (Date.now() - lastMove > 1000) break;
    await sleep(20);
  }
  for (const t of threads) t.postMessage({ type: 'finish' });
  let results: (FlowWorkerMessage & { type: 'done' })[];
  try {
    results = await Promise.all(done);
  } catch (err) {
    await stopAll();
    throw err;
  }
  await stopAll();

  const verification = createVerification();
  let latencyCount = 0;
  let stalls = 0;
  for (const r of results) {
    mergeVerification(verification, r.verification);
    latencyCount += r.latencyNs.length;
    stalls += r.stalls;
  }
  if (stalls > 0) verification.errors.push(`end-to-end window stalled ${stalls} times`);
  const latency = new Float64Array(latencyCount);
  let at = 0;
  for (const r of results) {
    latency.set(r.latencyNs, at);
    at += r.latencyNs.length;
  }
  const round = (v: number): number => Math.round(v);
  return {
    name: cfg.name,
    scenario: cfg.scenario,
    label: cfg.label,
    round: cfg.round,
    mqtt: cfg.mqtt,
    qos: cfg.qos,
    size: cfg.size,
    pubs: cfg.pubs,
    subs: cfg.subs,
    workers,
    windowS: Math.round(windowS * 1000) / 1000,
    published: p1 - p0,
    delivered: d1 - d0,
    pubRate: round((p1 - p0) / windowS),
    delRate: round((d1 - d0) / windowS),
    latency: latencyCount > 0 ? summarizeLatency(latency) : null,
    conns: null,
    retained: null,
    verification,
    verdict: verdictOf(verification, cfg.qos),
    genCpu: cpu.generator,
    genCores: availableCpus(),
    brokerCpu: cpu.broker,
  };
}
