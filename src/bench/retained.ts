// The retained scenario: publish R retained messages, then time a new `#` subscriber receiving them all.
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { RunConfig } from './config.js';
import { availableCpus } from './config.js';
import type { ProgressFn } from './flow.js';
import { Byte1, encodeBenchPublish, writeAck } from './packets.js';
import { CpuMeter } from './proc-stats.js';
import { RawClient } from './raw-client.js';
import type { BenchResult } from './result.js';
import { SequenceTracker, createVerification, verdictOf, writePayloadHeader } from './verify.js';

/** Give up receiving after this long without a new message. */
const IDLE_MS = 10000;

/** Runs the retained scenario. */
export async function runRetained(cfg: RunConfig, progress: ProgressFn = () => undefined): Promise<BenchResult> {
  const runId = `sb${randomBytes(3).toString('hex')}`;
  const v = createVerification();
  const opts = (id: string): Parameters<typeof RawClient.connect>[0] => ({
    host: cfg.host, port: cfg.port, version: cfg.mqtt, clientId: `${runId}-${id}`, keepAlive: 600, timeoutMs: cfg.connectTimeoutMs,
  });
  const R = cfg.retained;
  const inflightMax = cfg.qos === 0 ? Infinity : cfg.inflight;

  // publish phase: QoS flows complete with a bounded window; a SUBSCRIBE round trip closes it for QoS 0
  const pub = await RawClient.connect(opts('pub'));
  let inflight = 0;
  let sent = 0;
  let wake: (() => void) | null = null;
  const state = new Uint8Array(65536);
  pub.onFrame((b, buf, s) => {
    const pid = (buf[s]! << 8) | buf[s + 1]!;
    if ((b === Byte1.PUBACK && state[pid] === 1) || (b === Byte1.PUBCOMP && state[pid] === 2)) {
      state[pid] = 0;
      inflight--;
    } else if (b === Byte1.PUBREC && state[pid] === 1) {
      state[pid] = 2;
      const rel = Buffer.allocUnsafe(4);
      writeAck(rel, 0, Byte1.PUBREL, pid);
      pub.write(rel);
    } else if (b >> 4 >= 4 && b >> 4 <= 7 && v.errors.length < 10) {
      v.errors.push(`unexpected ack 0x${b.toString(16)} for packet id ${pid}`);
    }
    if (wake !== null && inflight < inflightMax) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const meter = new CpuMeter(cfg.brokerPid);
  meter.start();
  const t0 = process.hrtime.bigint();
  let pid = 0;
  while (sent < R) {
    if (inflight >= inflightMax) await new Promise<void>((res) => (wake = res));
    if (pub.failure !== null) throw new Error(`publisher: ${pub.failure}`);
    const n = Math.min(R - sent, 256, inflightMax - inflight);
    const parts: Buffer[] = [];
    for (let k = 0; k < n; k++) {
      const tpl = encodeBenchPublish(cfg.mqtt, `${cfg.prefix}/r/${sent}`, cfg.qos, true, cfg.size);
      if (tpl.packetIdOffset >= 0) {
        do pid = pid === 65535 ? 1 : pid + 1;
        while (state[pid] !== 0);
        state[pid] = 1;
        inflight++;
        tpl.bytes.writeUInt16BE(pid, tpl.packetIdOffset);
      }
      writePayloadHeader(tpl.bytes, tpl.payloadOffset, 0, sent++, 0n);
      parts.push(tpl.bytes);
    }
    if (!pub.write(Buffer.concat(parts))) await new Promise((res) => pub.socket.once('drain', res));
    if ((sent & 4095) < 256) progress((sent / R) * 0.5, `published ${sent}`);
  }
  while (inflight > 0 && pub.failure === null) await new Promise<void>((res) => (wake = res));
  await pub.subscribe(`${cfg.prefix}/barrier`, 0, 1);
  const publishS = Number(process.hrtime.bigint() - t0) / 1e9;
  await pub.close();

  // receive phase
  const sub = await RawClient.connect(opts('sub'));
  const track = new SequenceTracker();
  let received = 0;
  let last = Date.now();
  const ack = Buffer.allocUnsafe(4);
  sub.onFrame((b, buf, s, e) => {
    if (b >> 4 === 3) {
      const qos = (b >> 1) & 3;
      let at = s + 2 + buf.readUInt16BE(s);
      if (qos > 0) {
        writeAck(ack, 0, qos === 1 ? Byte1.PUBACK : Byte1.PUBREC, buf.readUInt16BE(at));
        sub.write(Buffer.from(ack));
        at += 2;
      }
      if (cfg.mqtt === 5) at += 1 + (buf[at]! & 0x7f); // properties are empty or tiny here
      received++;
      // retained messages sent because of a new subscription carry RETAIN=1 [MQTT-3.3.1-8]
      if ((b & 1) === 0 || e - at < 16) v.unexpected++;
      else track.record(buf.readUInt32BE(at + 4));
      last = Date.now();
    } else if (b === Byte1.PUBREL) {
      writeAck(ack, 0, Byte1.PUBCOMP, buf.readUInt16BE(s));
      sub.write(Buffer.from(ack));
    }
  });
  const t1 = process.hrtime.bigint();
  await sub.subscribe(`${cfg.prefix}/r/#`, 0, 1);
  while (track.unique < R && Date.now() - last < IDLE_MS && sub.failure === null) {
    progress(0.5 + (track.unique / R) * 0.5, `received ${track.unique}`);
    await sleep(10);
  }
  const receiveS = Number(process.hrtime.bigint() - t1) / 1e9;
  const cpu = meter.stop();
  if (sub.failure !== null) v.errors.push(`subscriber: ${sub.failure}`);
  await sub.close();
  v.expected = R;
  v.received = received;
  v.lost = R - track.unique;
  v.duplicates = track.duplicates;
  return {
    name: cfg.name, scenario: cfg.scenario, label: cfg.label, round: cfg.round, mqtt: cfg.mqtt, qos: cfg.qos, size: cfg.size,
    pubs: 1, subs: 1, workers: 1, windowS: Math.round(receiveS * 1000) / 1000, published: R, delivered: track.unique,
    pubRate: Math.round(R / publishS), delRate: Math.round(track.unique / receiveS),
    latency: null, conns: null,
    retained: { count: track.unique, publishS: Math.round(publishS * 1000) / 1000, receiveS: Math.round(receiveS * 1000) / 1000, receiveRate: Math.round(track.unique / receiveS) },
    verification: v, verdict: verdictOf(v, 0), genCpu: cpu.generator, genCores: availableCpus(), brokerCpu: cpu.broker,
  };
}
