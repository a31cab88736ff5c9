// Soak: moderate mixed load (QoS 0/1/2, retained, wills, reconnects, a persistent session) on a real `swiftlet`
// process for a given time, sampling its RSS, heap, handles and the round-trip latency of an existing client. Writes
// an SVG plot and a JSON file of the samples, and exits 1 when RSS or handles grew (median of the last third of the
// run above the median of the second third by more than the tolerance; the first third is warm-up).
// Run: npm run soak -- --minutes 60            (CI: npm run soak -- --minutes 5)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hardeningConfig, startBrokerUnderTest } from '../test/hardening/broker-under-test.js';
import { judgeGrowth } from '../test/hardening/growth.js';
import type { GrowthVerdict } from '../test/hardening/growth.js';
import { LatencySampler } from '../test/hardening/latency-sampler.js';
import { Probe } from '../test/hardening/probe.js';
import { renderSoakSvg } from '../test/hardening/soak-chart.js';
import { SoakLoad } from '../test/hardening/soak-load.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    'sample-seconds': { type: 'string' },
    rate: { type: 'string', default: '200' },
    publishers: { type: 'string', default: '4' },
    reconnectors: { type: 'string', default: '6' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'soak-report' },
    'rss-tolerance-mb': { type: 'string', default: '16' },
    'rss-tolerance-pct': { type: 'string', default: '10' },
    'handles-tolerance': { type: 'string', default: '8' },
  },
});
const num = (name: keyof typeof values, fallback?: number): number => {
  const raw = values[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: expected a number, found ${String(raw)}`);
  return v;
};
const minutes = num('minutes');
// About 120 samples per run, between 5 and 30 s apart.
const sampleSeconds = num('sample-seconds', Math.min(30, Math.max(5, Math.round((minutes * 60) / 120))));
const o = { minutes, sampleSeconds, rate: num('rate'), publishers: num('publishers'), reconnectors: num('reconnectors'), seed: num('seed') };
const outDir = resolve(values.out ?? 'soak-report');
console.log(`soak: ${JSON.stringify(o)}; writing ${outDir}/soak.svg and soak.json`);

interface Sample {
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  fds: number;
  activeHandles: number;
  clients: number;
  p50Ms: number;
  p99Ms: number;
  roundTrips: number;
}

const broker = await startBrokerUnderTest(hardeningConfig(['http:', '  port: 0']));
const failures: string[] = [];
const samples: Sample[] = [];
try {
  const load = new SoakLoad({ port: broker.port, rate: o.rate, publishers: o.publishers, reconnectors: o.reconnectors, seed: o.seed });
  await load.start();
  const sampler = new LatencySampler([await Probe.open(broker.port, 'soak-probe')], 100);
  const start = Date.now();
  const end = start + minutes * 60_000;
  for (let i = 0; Date.now() < end && broker.alive(); i++) {
    sampler.phase = String(i);
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(start + (i + 1) * sampleSeconds * 1000, end) - Date.now())));
    const m = await broker.metrics();
    const lat = sampler.summary(String(i));
    samples.push({
      t: (Date.now() - start) / 1000,
      rssMiB: broker.rssKb() / 1024,
      heapUsedMiB: (m.get('nodejs_heap_size_used_bytes') ?? NaN) / 2 ** 20,
      fds: broker.openFds(),
      activeHandles: m.get('nodejs_active_handles_total') ?? NaN,
      clients: m.get('swiftlet_clients_connected') ?? NaN,
      p50Ms: lat.p50 / 1000,
      p99Ms: lat.p99 / 1000,
      roundTrips: lat.count,
    });
    const s = samples[samples.length - 1]!;
    console.log(
      `  ${(s.t / 60).toFixed(1)} min: RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapUsedMiB.toFixed(1)} MiB, fds ${s.fds}, handles ${s.activeHandles}, clients ${s.clients}, round trip p50 ${s.p50Ms.toFixed(2)} ms p99 ${s.p99Ms.toFixed(2)} ms; published ${load.counts.published}, received ${load.counts.received}, reconnects ${load.counts.reconnects}`,
    );
  }
  await sampler.stop();
  await load.stop();
  failures.push(...load.counts.errors.slice(0, 20).map((e) => `load: ${e}`));
  failures.push(...sampler.failures.slice(0, 20).map((e) => `existing client: ${e}`));
  if (!broker.alive()) failures.push('the broker exited');
  failures.push(...broker.problems().map((p) => `stderr: ${p}`));

  const verdicts: Record<string, GrowthVerdict> = {};
  if (samples.length >= 6) {
    const handles = { absolute: num('handles-tolerance'), relative: 0.1 };
    verdicts.rss = judgeGrowth(samples.map((s) => s.rssMiB), { absolute: num('rss-tolerance-mb'), relative: num('rss-tolerance-pct') / 100 });
    verdicts.fds = judgeGrowth(samples.map((s) => s.fds), handles);
    verdicts.activeHandles = judgeGrowth(samples.map((s) => s.activeHandles), handles);
    // The heap is plotted and reported, not judged: RSS is what the machine pays.
    verdicts.heap = judgeGrowth(samples.map((s) => s.heapUsedMiB), { absolute: num('rss-tolerance-mb'), relative: num('rss-tolerance-pct') / 100 });
    for (const [name, v] of Object.entries(verdicts)) {
      console.log(`${name}: median of the second third ${v.baseline.toFixed(1)}, of the last third ${v.final.toFixed(1)}, growth ${v.growth.toFixed(1)} (allowed ${v.allowed.toFixed(1)})${v.grew ? ' GREW' : ''}`);
      if (v.grew && name !== 'heap') failures.push(`${name} grew by ${v.growth.toFixed(1)} (allowed ${v.allowed.toFixed(1)})`);
    }
  } else failures.push(`only ${samples.length} samples: run longer or sample more often`);
  const all = samples.map((s) => s.p99Ms).sort((a, b) => a - b);
  console.log(`round trip p99 per window: median ${all[all.length >> 1]?.toFixed(2)} ms, worst ${all[all.length - 1]?.toFixed(2)} ms; published ${load.counts.published}, received ${load.counts.received}, reconnects ${load.counts.reconnects}, wills ${load.counts.willsTriggered}`);

  mkdirSync(outDir, { recursive: true });
  const times = samples.map((s) => s.t);
  const svg = renderSoakSvg(`swiftlet soak: ${minutes} min, ${o.rate} msg/s, ${o.reconnectors} reconnecting clients`, times, [
    { title: 'Resident memory', unit: 'MiB', lines: [{ label: 'RSS', values: samples.map((s) => s.rssMiB), color: '#2563eb' }], ...(verdicts.rss ? { verdict: verdicts.rss } : {}) },
    { title: 'Heap used', unit: 'MiB', lines: [{ label: 'heap', values: samples.map((s) => s.heapUsedMiB), color: '#7c3aed' }], ...(verdicts.heap ? { verdict: verdicts.heap } : {}) },
    {
      title: 'Handles',
      unit: 'count',
      lines: [
        { label: 'open fds', values: samples.map((s) => s.fds), color: '#059669' },
        { label: 'active handles', values: samples.map((s) => s.activeHandles), color: '#d97706' },
      ],
      ...(verdicts.fds ? { verdict: verdicts.fds } : {}),
    },
    {
      title: 'Round trip of an existing client (QoS 1)',
      unit: 'ms',
      lines: [
        { label: 'p50', values: samples.map((s) => s.p50Ms), color: '#0891b2' },
        { label: 'p99', values: samples.map((s) => s.p99Ms), color: '#dc2626' },
      ],
    },
  ]);
  writeFileSync(resolve(outDir, 'soak.svg'), svg);
  mkdirSync(dirname(resolve(outDir, 'soak.json')), { recursive: true });
  writeFileSync(resolve(outDir, 'soak.json'), JSON.stringify({ options: o, verdicts, counts: load.counts, samples }, null, 2));
} finally {
  await broker.stop();
}
if (failures.length > 0) {
  console.log(`FAIL:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
} else console.log('OK');
