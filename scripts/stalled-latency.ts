// Latency of a healthy publisher/subscriber pair with and without stalled subscribers on the same topic.
// Run: npx tsx scripts/stalled-latency.ts [--rounds 3] [--stalled 100] [--seconds 10] [--warmup 2] [--rate 1000] [--payload 1024]
// Each round runs case A (the pair alone) and case B (the pair plus N subscribers that never read their sockets),
// alternating A and B, each against a fresh broker process on 127.0.0.1, so that load from other processes on the
// machine falls on both cases alike. In B the stalled subscribers are first filled until the broker drops messages
// for every one of them (their kernel buffers take several MiB each), so B measures the steady state; the samples of
// the warm-up seconds are left out in both. Prints one line per run and a JSON summary.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { Broker, encodePacket, PacketType, Parser } from '../src/index.js';
import { TcpListener } from '../src/listeners/tcp-listener.js';
import { summarizeLatency } from '../src/bench/percentiles.js';
import type { LatencySummary } from '../src/bench/percentiles.js';

const { values: args } = parseArgs({
  options: {
    broker: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    stalled: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '1000' },
    payload: { type: 'string', default: '1024' },
  },
});

if (args.broker) {
  // The broker process: default capabilities, one TCP listener on a free loopback port, printed on stdout.
  const broker = new Broker({ sysInterval: 0 });
  const tcp = new TcpListener({ id: 'tcp', host: '127.0.0.1', port: 0 });
  await broker.addListener(tcp);
  await broker.serve();
  const address = tcp.address();
  process.stdout.write(`${address !== undefined && 'port' in address ? address.port : 0}\n`);
  // Each line on stdin asks for the output buffered on sockets that push back, in MiB (the default high-water mark):
  // a socket's buffer passes it only once the kernel takes no more, so N MiB means about N sockets are full.
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => {
    process.stdout.write(`${Math.floor((broker.stats.outboundBufferedBytes ?? 0) / (1024 * 1024))}\n`);
  });
  lines.on('close', () => void broker.close(200).then(() => process.exit(0)));
} else {
  await main();
}

interface RunResult {
  label: 'A' | 'B';
  latency: LatencySummary;
  sent: number;
  received: number;
  brokerRssMiB: number;
  /** Seconds it took to make every stalled subscriber congested (case B). */
  fillSeconds: number;
}

async function main(): Promise<void> {
  const rounds = Number(args.rounds);
  const results: RunResult[] = [];
  for (let r = 0; r < rounds; r++) {
    // A first in even rounds, B first in odd ones, so neither always runs on a warmer machine.
    const order: ('A' | 'B')[] = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    for (const label of order) {
      const result = await runCase(label, label === 'B' ? Number(args.stalled) : 0);
      results.push(result);
      const l = result.latency;
      console.log(`round ${r + 1} ${label}: p50 ${l.p50} µs  p99 ${l.p99} µs  max ${l.max} µs  received ${result.received}/${result.sent}  broker rss ${result.brokerRssMiB} MiB${label === 'B' ? `  (filled in ${result.fillSeconds} s)` : ''}`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const of = (label: 'A' | 'B'): RunResult[] => results.filter((x) => x.label === label);
  const summary = {
    stalled: Number(args.stalled),
    ratePerSecond: Number(args.rate),
    payloadBytes: Number(args.payload),
    seconds: Number(args.seconds),
    rounds,
    medianP99Us: { A: median(of('A').map((x) => x.latency.p99)), B: median(of('B').map((x) => x.latency.p99)) },
    medianP50Us: { A: median(of('A').map((x) => x.latency.p50)), B: median(of('B').map((x) => x.latency.p50)) },
    lost: results.reduce((n, x) => n + x.sent - x.received, 0),
  };
  console.log(JSON.stringify({ ...summary, ratioP99: Math.round((summary.medianP99Us.B / summary.medianP99Us.A) * 100) / 100 }));
}

async function runCase(label: 'A' | 'B', stalledCount: number): Promise<RunResult> {
  const { child, port, ask } = await startBrokerProcess();
  const stalled: Socket[] = [];
  try {
    for (let i = 0; i < stalledCount; i++) stalled.push(await stalledSubscriber(port, `stalled-${i}`, (i % 3) as 0 | 1 | 2, i % 2 === 0 ? 5 : 4));
    const sub = await connect(port, 'healthy-sub');
    await sub.subscribeAsync('lat/data', { qos: 1 });
    const pub = await connect(port, 'healthy-pub');
    let fillSeconds = 0;
    if (stalledCount > 0) {
      // Fill the stalled sockets (kernel buffers first, several MiB each) with 64 KiB messages on a topic only they
      // match, until the broker holds the high-water mark for each: from then on they are congested, the steady state.
      // A connection of its own, closed afterwards, so the healthy publisher's messages never queue behind the filler.
      const fill = await connect(port, 'filler');
      const fillStarted = Date.now();
      const filler = Buffer.alloc(64 * 1024, 0x66);
      for (;;) {
        if (fill.stream.writableLength < 4 * 1024 * 1024) for (let i = 0; i < 16; i++) fill.publish('lat/fill', filler, { qos: 0 });
        await new Promise((r) => setTimeout(r, 10));
        if ((Date.now() - fillStarted) % 250 < 12 && (await ask(String(stalledCount))) >= stalledCount) break;
        if (Date.now() - fillStarted > 120_000) throw new Error('the stalled subscribers never became congested');
      }
      fillSeconds = Math.round((Date.now() - fillStarted) / 100) / 10;
      await fill.endAsync(true);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const payloadBytes = Math.max(16, Number(args.payload));
    const rate = Number(args.rate);
    const warmupMs = Number(args.warmup) * 1000;
    const measureMs = Number(args.seconds) * 1000;
    const samples: number[] = [];
    let sent = 0;
    let received = 0;
    let measuring = false;
    sub.on('message', (_topic, payload) => {
      // The first 8 bytes carry the send time (hrtime, ns) and one byte whether it counts.
      const at = payload.readBigUInt64BE(0);
      if (payload[8] === 1) {
        received++;
        samples.push(Number(process.hrtime.bigint() - at));
      }
    });
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = Date.now() - started;
        measuring = elapsed >= warmupMs;
        if (elapsed >= warmupMs + measureMs) {
          clearInterval(timer);
          resolve();
          return;
        }
        for (let i = 0; i < perTick; i++) {
          const payload = Buffer.alloc(payloadBytes, 0x61);
          payload.writeBigUInt64BE(process.hrtime.bigint(), 0);
          payload[8] = measuring ? 1 : 0;
          if (measuring) sent++;
          pub.publish('lat/data', payload, { qos: 1 });
        }
      }, tickMs);
    });
    // Let the last messages arrive (bounded).
    const until = Date.now() + 5000;
    while (received < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const rss = await brokerRss(child.pid!);
    await Promise.all([sub.endAsync(true), pub.endAsync(true)]);
    return { label, latency: summarizeLatency(samples), sent, received, brokerRssMiB: rss, fillSeconds };
  } finally {
    for (const s of stalled) s.destroy();
    child.stdin!.end();
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
    });
  }
}

async function startBrokerProcess(): Promise<{ child: ChildProcess; port: number; ask: (line: string) => Promise<number> }> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--broker'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers: ((n: number) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let first = true;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (first) {
        first = false;
        resolve(Number(line));
      } else {
        answers.shift()?.(Number(line));
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  const ask = (line: string): Promise<number> =>
    new Promise((resolve) => {
      answers.push(resolve);
      child.stdin.write(`${line}\n`);
    });
  return { child, port, ask };
}

function connect(port: number, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect({ host: '127.0.0.1', port, clientId, protocolVersion: 5, reconnectPeriod: 0 });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

/** A raw subscriber that completes CONNECT and SUBSCRIBE, then never reads its socket again. */
async function stalledSubscriber(port: number, clientId: string, qos: 0 | 1 | 2, version: 4 | 5): Promise<Socket> {
  const socket = netConnect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const connectPacket = encodePacket(
    { type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: version, clean: true, keepAlive: 0, clientId, username: undefined, password: undefined, will: undefined, properties: {} },
    version,
  );
  const subscribe = encodePacket(
    { type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [{ topic: 'lat/#', qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }], properties: {} },
    version,
  );
  socket.write(connectPacket);
  socket.write(subscribe);
  // Read up to the SUBACK, then stop reading for good.
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      protocolVersion: version,
      onPacket: (packet) => {
        if (packet.type !== PacketType.SUBACK) return;
        socket.off('data', onData);
        socket.pause();
        resolve();
      },
      onError: reject,
    });
    const onData = (chunk: Buffer): void => parser.push(chunk);
    socket.on('data', onData);
  });
  return socket;
}

async function brokerRss(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Math.round(Number(kb) / 1024);
}
