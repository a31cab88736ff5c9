// The connections scenario: C idle clients; connect rate and broker memory per connection.
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { RunConfig } from './config.js';
import { availableCpus } from './config.js';
import type { ProgressFn } from './flow.js';
import { encodeBenchPublish } from './packets.js';
import { CpuMeter, readRssKb } from './proc-stats.js';
import { RawClient } from './raw-client.js';
import type { BenchResult } from './result.js';
import { createVerification, verdictOf } from './verify.js';

/** Connections that also subscribe and must receive one probe message, proving they are live. */
const PROBES = 100;

/** Runs the connections scenario. */
export async function runConns(cfg: RunConfig, progress: ProgressFn = () => undefined): Promise<BenchResult> {
  const runId = `sb${randomBytes(3).toString('hex')}`;
  const v = createVerification();
  const clients: (RawClient | undefined)[] = new Array<RawClient | undefined>(cfg.conns);
  let failed = 0;
  const rssBeforeKb = readRssKb(cfg.brokerPid);
  const meter = new CpuMeter(cfg.brokerPid);
  meter.start();
  const t0 = process.hrtime.bigint();
  let next = 0;
  let connected = 0;
  const lane = async (): Promise<void> => {
    while (next < cfg.conns) {
      const i = next++;
      try {
        clients[i] = await RawClient.connect({
          host: cfg.host, port: cfg.port, version: cfg.mqtt, clientId: `${runId}-c${i}`, keepAlive: 600, timeoutMs: cfg.connectTimeoutMs,
        });
        connected++;
      } catch (err) {
        if (failed++ === 0) v.errors.push(`connect failed: ${(err as Error).message}`);
      }
      if ((i & 255) === 0) progress(i / cfg.conns, `${connected} connected`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.connParallel, cfg.conns) }, lane));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = meter.stop();
  if (failed > 0) v.errors.push(`${failed} of ${cfg.conns} connections failed`);
  await sleep(1000); // let the broker settle its allocations before reading RSS
  const rssAfterKb = readRssKb(cfg.brokerPid);

  // probe a spread sample: each subscribes, one extra client publishes once, all must receive it
  progress(1, 'probing');
  const live = clients.filter((c): c is RawClient => c !== undefined);
  const step = Math.max(1, Math.floor(live.length / PROBES));
  const probes = live.filter((_, i) => i % step === 0).slice(0, PROBES);
  const topic = `${cfg.prefix}/probe`;
  let got = 0;
  try {
    await Promise.all(probes.map((c) => c.subscribe(topic, 0)));
    for (const c of probes) c.onFrame((b) => void (b >> 4 === 3 && got++));
    const pub = await RawClient.connect({
      host: cfg.host, port: cfg.port, version: cfg.mqtt, clientId: `${runId}-probe`, keepAlive: 600, timeoutMs: cfg.connectTimeoutMs,
    });
    pub.write(encodeBenchPublish(cfg.mqtt, topic, 0, false, 16).bytes);
    for (let waited = 0; got < probes.length && waited < 5000; waited += 20) await sleep(20);
    await pub.close();
  } catch (err) {
    v.errors.push(`probe failed: ${(err as Error).message}`);
  }
  v.expected = probes.length;
  v.received = got;
  v.lost = Math.max(0, probes.length - got);
  let dropped = 0;
  for (const c of live) if (c.failure !== null) dropped++;
  if (dropped > 0) v.errors.push(`${dropped} idle connections were closed by the broker`);
  await Promise.all(live.map((c) => c.close()));

  const bytesPerConn = rssBeforeKb !== null && rssAfterKb !== null && connected > 0 ? Math.round(((rssAfterKb - rssBeforeKb) * 1024) / connected) : null;
  return {
    name: cfg.name, scenario: cfg.scenario, label: cfg.label, round: cfg.round, mqtt: cfg.mqtt, qos: 0, size: 0,
    pubs: 0, subs: 0, workers: 1, windowS: Math.round(seconds * 1000) / 1000, published: 0, delivered: 0, pubRate: 0, delRate: 0,
    latency: null,
    conns: { count: connected, connectRate: Math.round(connected / seconds), rssBeforeKb, rssAfterKb, bytesPerConn },
    retained: null, verification: v, verdict: verdictOf(v, 0), genCpu: cpu.generator, genCores: availableCpus(), brokerCpu: cpu.broker,
  };
}
