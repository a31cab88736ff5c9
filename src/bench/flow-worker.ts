// Worker thread of the flow scenarios: runs its share of publishers and subscribers on raw sockets.
import { parentPort, workerData } from 'node:worker_threads';
import { RawClient } from './raw-client.js';
import { Byte1, encodeBenchPublish, writeAck } from './packets.js';
import type { PublishTemplate } from './packets.js';
import { MEASURING, PHASE, Phase, createCounters, fanOf, sourcesOf, topicOf, wakeSlot } from './flow-shared.js';
import type { FlowCounters, FlowWorkerData, FlowWorkerMessage } from './flow-shared.js';
import { SequenceTracker, createVerification, writePayloadHeader } from './verify.js';
import type { Verification } from './verify.js';

const data = workerData as FlowWorkerData;
const cfg = data.config;
const control = new Int32Array(data.control);
const counters: FlowCounters = createCounters(data.counters, cfg.pubs, cfg.workers);
const fan = fanOf(cfg);
const errors: string[] = [];
/** Give up on a window's outstanding messages after this long without any delivery. */
const WINDOW_TIMEOUT_MS = 1000;

function note(msg: string): void {
  if (errors.length < 20) errors.push(msg);
}

/** Acks queued while a chunk is scanned, written once at the end of the chunk. */
class AckBuffer {
  #buf = Buffer.allocUnsafe(4096);
  #len = 0;
  push(byte1: number, packetId: number, client: RawClient): void {
    if (this.#len + 4 > this.#buf.length) this.flush(client);
    this.#len = writeAck(this.#buf, this.#len, byte1, packetId);
  }
  flush(client: RawClient): void {
    if (this.#len === 0) return;
    client.write(Buffer.from(this.#buf.subarray(0, this.#len)));
    this.#len = 0;
  }
}

type AsyncWait = (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: AsyncWait }).waitAsync;

/** Publishers of this worker blocked on the end-to-end window, woken by deliveries in any worker. */
const waiting = new Set<Publisher>();
let armed = false;
function armWake(): void {
  if (armed || waiting.size === 0) return;
  armed = true;
  const slot = wakeSlot(data.index);
  Atomics.store(control, slot + 1, 1);
  const seen = Atomics.load(control, slot);
  // a delivery counted before the flag was raised sent no notification: look once more
  let ready = false;
  for (const p of waiting) if (p.windowFree() > 0) ready = true;
  const r = ready ? { async: false, value: 'ready' } : waitAsync(control, slot, seen, 10);
  const onWake = (): void => {
    armed = false;
    Atomics.store(control, slot + 1, 0);
    const list = [...waiting];
    waiting.clear();
    for (const p of list) p.kick();
    armWake();
  };
  if (r.async) (r.value as Promise<string>).then(onWake, onWake);
  else setImmediate(onWake);
}

/** Wakes every worker that has publishers waiting on the window. */
function notifyDeliveries(): void {
  for (let w = 0; w < cfg.workers; w++) {
    const slot = wakeSlot(w);
    if (Atomics.load(control, slot + 1) === 1) {
      Atomics.add(control, slot, 1);
      Atomics.notify(control, slot);
    }
  }
}

class Publisher {
  readonly #client: RawClient;
  readonly #index: number;
  readonly #tpl: PublishTemplate;
  readonly #len: number;
  readonly #windowMsgs: number;
  readonly #ratePerPub: number;
  readonly #pidState = new Uint8Array(65536);
  readonly #acks = new AckBuffer();
  #nextPid = 1;
  #scheduled = false;
  #blockedOnInflight = false;
  #startNs = 0n;
  #lastDelivered = -1;
  #lastProgress = 0;
  seq = 0;
  inflight = 0;
  writtenOff = 0;
  stalls = 0;

  constructor(client: RawClient, index: number) {
    this.#client = client;
    this.#index = index;
    this.#tpl = encodeBenchPublish(cfg.mqtt, topicOf(cfg, index), cfg.qos, false, cfg.size);
    this.#len = this.#tpl.bytes.length;
    this.#windowMsgs = cfg.window > 0 ? Math.max(1, Math.floor(cfg.window / (cfg.pubs * fan))) : 0;
    this.#ratePerPub = cfg.rate / cfg.pubs;
    client.onFrame((b, buf, s, e) => this.#onFrame(b, buf, s, e), () => this.#afterChunk());
  }

  start(): void {
    this.#startNs = process.hrtime.bigint();
    this.#lastProgress = Date.now();
    this.kick();
  }

  /** Schedules a pump unless one is pending. */
  kick(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #delivered(): number {
    let sum = 0;
    for (let w = 0; w < cfg.workers; w++) sum += counters.delivered[w * cfg.pubs + this.#index]!;
    return sum;
  }

  /** Messages the end-to-end window allows now (ignoring the stall timeout). */
  windowFree(): number {
    return this.#windowMsgs - (this.seq - this.writtenOff - Math.floor(this.#delivered() / fan));
  }

  #pump(): void {
    if (Atomics.load(control, PHASE) !== Phase.RUN || this.#client.failure !== null) return;
    let n = cfg.batch;
    if (this.#ratePerPub > 0) {
      const elapsed = Number(process.hrtime.bigint() - this.#startNs) / 1e9;
      const due = Math.floor(elapsed * this.#ratePerPub) - this.seq;
      if (due <= 0) {
        this.#scheduled = true;
        setTimeout(() => {
          this.#scheduled = false;
          this.#pump();
        }, 1);
        return;
      }
      n = Math.min(n, due);
    }
    if (cfg.qos > 0) {
      const free = cfg.inflight - this.inflight;
      if (free <= 0) {
        this.#blockedOnInflight = true;
        return;
      }
      n = Math.min(n, free);
    }
    if (this.#windowMsgs > 0) {
      const delivered = this.#delivered();
      const now = Date.now();
      if (delivered !== this.#lastDelivered) {
        this.#lastDelivered = delivered;
        this.#lastProgress = now;
      }
      const outstanding = this.seq - this.writtenOff - Math.floor(delivered / fan);
      let free = this.#windowMsgs - outstanding;
      if (free <= 0 && now - this.#lastProgress > WINDOW_TIMEOUT_MS) {
        // the broker dropped (QoS 0) or lost them: stop waiting, verification reports the loss
        this.writtenOff += outstanding;
        this.stalls++;
        this.#lastProgress = now;
        free = this.#windowMsgs;
      }
      if (free <= 0) {
        waiting.add(this);
        armWake();
        return;
      }
      n = Math.min(n, free);
    }
    this.#send(n);
  }

  #send(n: number): void {
    const tpl = this.#tpl;
    const len = this.#len;
    const out = Buffer.allocUnsafe(n * len);
    const perMessageTime = this.#ratePerPub > 0;
    let ts = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      const at = k * len;
      tpl.bytes.copy(out, at);
      if (tpl.packetIdOffset >= 0) {
        const pid = this.#takePid();
        out[at + tpl.packetIdOffset] = pid >> 8;
        out[at + tpl.packetIdOffset + 1] = pid & 0xff;
      }
      if (perMessageTime && k > 0) ts = process.hrtime.bigint();
      writePayloadHeader(out, at + tpl.payloadOffset, this.#index, this.seq++, ts);
    }
    counters.published[this.#index] = this.seq;
    counters.inflight[this.#index] = this.inflight;
    if (this.#client.write(out)) {
      this.kick();
    } else {
      this.#scheduled = true;
      this.#client.socket.once('drain', () => {
        this.#scheduled = false;
        this.#pump();
      });
    }
  }

  #takePid(): number {
    let pid = this.#nextPid;
    while (this.#pidState[pid] !== 0) pid = pid === 65535 ? 1 : pid + 1;
    this.#pidState[pid] = 1;
    this.#nextPid = pid === 65535 ? 1 : pid + 1;
    this.inflight++;
    return pid;
  }

  #onFrame(byte1: number, buf: Buffer, s: number, e: number): void {
    if (e - s < 2) return;
    const pid = (buf[s]! << 8) | buf[s + 1]!;
    const reason = e - s >= 3 ? buf[s + 2]! : 0;
    if (byte1 === Byte1.PUBACK || byte1 === Byte1.PUBCOMP) {
      const want = byte1 === Byte1.PUBACK ? 1 : 2;
      if (this.#pidState[pid] !== want || cfg.qos !== want) {
        note(`unexpected ${byte1 === Byte1.PUBACK ? 'PUBACK' : 'PUBCOMP'} for packet id ${pid}`);
        return;
      }
      if (reason >= 0x80) note(`publish refused with reason 0x${reason.toString(16)}`);
      this.#pidState[pid] = 0;
      this.inflight--;
    } else if (byte1 === Byte1.PUBREC) {
      if (this.#pidState[pid] !== 1 || cfg.qos !== 2) {
        note(`unexpected PUBREC for packet id ${pid}`);
        return;
      }
      if (reason >= 0x80) {
        // a refused QoS 2 publish ends at PUBREC [MQTT-4.3.3-4]
        note(`publish refused with reason 0x${reason.toString(16)}`);
        this.#pidState[pid] = 0;
        this.inflight--;
        return;
      }
      this.#pidState[pid] = 2;
      this.#acks.push(Byte1.PUBREL, pid, this.#client);
    }
  }

  #afterChunk(): void {
    this.#acks.flush(this.#client);
    counters.inflight[this.#index] = this.inflight;
    if (this.#blockedOnInflight && this.inflight < cfg.inflight) {
      this.#blockedOnInflight = false;
      this.kick();
    }
  }
}

class Subscriber {
  readonly #client: RawClient;
  readonly #tracks: (SequenceTracker | undefined)[];
  readonly #acks = new AckBuffer();
  readonly #row: number;
  readonly #latency: boolean;
  #delivered = false;
  received = 0;
  unexpected = 0;
  latencyNs = new Float64Array(cfg.scenario === 'latency' || cfg.rate > 0 ? 65536 : 0);
  latencyCount = 0;

  constructor(client: RawClient, index: number) {
    this.#client = client;
    this.#tracks = new Array<SequenceTracker | undefined>(cfg.pubs);
    for (const p of sourcesOf(cfg, index)) this.#tracks[p] = new SequenceTracker();
    this.#row = data.index * cfg.pubs;
    this.#latency = this.latencyNs.length > 0;
    client.onFrame((b, buf, s, e) => this.#onFrame(b, buf, s, e), () => this.#afterChunk());
  }

  get tracks(): readonly (SequenceTracker | undefined)[] {
    return this.#tracks;
  }

  #onFrame(byte1: number, buf: Buffer, s: number, e: number): void {
    const type = byte1 >> 4;
    if (type === 3) {
      const qos = (byte1 >> 1) & 3;
      let at = s + 2 + ((buf[s]! << 8) | buf[s + 1]!);
      let pid = 0;
      if (qos > 0) {
        pid = (buf[at]! << 8) | buf[at + 1]!;
        at += 2;
      }
      if (cfg.mqtt === 5) {
        let len = 0;
        let mul = 1;
        let b: number;
        do {
          b = buf[at++]!;
          len += (b & 0x7f) * mul;
          mul *= 128;
        } while ((b & 0x80) !== 0);
        at += len;
      }
      if (qos === 1) this.#acks.push(Byte1.PUBACK, pid, this.#client);
      else if (qos === 2) this.#acks.push(Byte1.PUBREC, pid, this.#client);
      this.received++;
      if (e - at < 16) {
        this.unexpected++;
        return;
      }
      const pub = buf.readUInt32BE(at);
      const track = this.#tracks[pub];
      if (track === undefined) {
        this.unexpected++;
        return;
      }
      track.record(buf.readUInt32BE(at + 4));
      counters.delivered[this.#row + pub]!++;
      this.#delivered = true;
      if (this.#latency && Atomics.load(control, MEASURING) === 1) {
        const lat = Number(process.hrtime.bigint() - buf.readBigUInt64BE(at + 8));
        if (this.latencyCount === this.latencyNs.length) {
          const next = new Float64Array(this.latencyNs.length * 2);
          next.set(this.latencyNs);
          this.latencyNs = next;
        }
        this.latencyNs[this.latencyCount++] = lat;
      }
    } else if (byte1 === Byte1.PUBREL) {
      this.#acks.push(Byte1.PUBCOMP, (buf[s]! << 8) | buf[s + 1]!, this.#client);
    }
  }

  #afterChunk(): void {
    this.#acks.flush(this.#client);
    if (this.#delivered) {
      this.#delivered = false;
      notifyDeliveries();
    }
  }
}

async function main(): Promise<void> {
  const port = parentPort!;
  const opts = (id: string): Parameters<typeof RawClient.connect>[0] => ({
    host: cfg.host,
    port: cfg.port,
    version: cfg.mqtt,
    clientId: `${data.runId}-${id}`,
    keepAlive: 600,
    timeoutMs: cfg.connectTimeoutMs,
  });
  const subs: Subscriber[] = [];
  const subClients: RawClient[] = [];
  const pubs: Publisher[] = [];
  const pubClients: RawClient[] = [];
  try {
    await Promise.all(
      data.subs.map(async (j) => {
        const c = await RawClient.connect(opts(`s${j}`));
        subClients.push(c);
        await c.subscribe(topicOf(cfg, sourcesOf(cfg, j)[0]!), cfg.qos);
        subs.push(new Subscriber(c, j));
      }),
    );
    await Promise.all(
      data.pubs.map(async (i) => {
        const c = await RawClient.connect(opts(`p${i}`));
        pubClients.push(c);
        pubs.push(new Publisher(c, i));
      }),
    );
  } catch (err) {
    for (const c of [...subClients, ...pubClients]) c.destroy();
    port.postMessage({ type: 'error', message: (err as Error).message } satisfies FlowWorkerMessage);
    return;
  }
  port.on('message', (msg: { type: string }) => {
    if (msg.type === 'start') {
      for (const p of pubs) p.start();
    } else if (msg.type === 'finish') {
      void finish();
    }
  });
  port.postMessage({ type: 'ready' } satisfies FlowWorkerMessage);

  async function finish(): Promise<void> {
    const v: Verification = createVerification();
    for (const sub of subs) {
      v.received += sub.received;
      v.unexpected += sub.unexpected;
      sub.tracks.forEach((t, p) => {
        if (t === undefined) return;
        const sent = counters.published[p]!;
        v.expected += sent;
        v.lost += Math.max(0, sent - t.unique);
        v.duplicates += t.duplicates;
        v.reordered += t.reordered;
      });
    }
    let unacked = 0;
    for (const p of pubs) unacked += p.inflight;
    if (unacked > 0) note(`${unacked} QoS ${cfg.qos} publishes never completed`);
    for (const c of [...subClients, ...pubClients]) if (c.failure !== null) note(c.failure);
    v.errors = errors;
    let latency = new Float64Array(0);
    for (const s of subs) {
      const merged = new Float64Array(latency.length + s.latencyCount);
      merged.set(latency);
      merged.set(s.latencyNs.subarray(0, s.latencyCount), latency.length);
      latency = merged;
    }
    await Promise.all([...subClients, ...pubClients].map((c) => c.close()));
    const msg: FlowWorkerMessage = {
      type: 'done',
      verification: v,
      latencyNs: latency,
      writtenOff: pubs.reduce((a, p) => a + p.writtenOff, 0),
      stalls: pubs.reduce((a, p) => a + p.stalls, 0),
    };
    port.postMessage(msg, [latency.buffer]);
    port.close();
  }
}

void main();
