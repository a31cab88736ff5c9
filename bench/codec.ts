// Codec micro-benchmark: Swiftlet's Parser and encoder beside mqtt-packet's parser and generate(), in one run.
// Usage: tsx bench/codec.ts [--quick] [--json]
// Parse = push a pre-built buffer of many concatenated packets through one parser in 64 KiB chunks.
// Encode = encode one packet object repeatedly. Each side runs for a fixed time per round, sides alternate,
// and the best round counts (the least disturbed by GC and the scheduler).
import * as mp from 'mqtt-packet';
import { encodePacket } from '../src/codec/encode.js';
import { Parser } from '../src/codec/parser.js';
import { EMPTY_PROPERTIES, PacketType } from '../src/codec/types.js';
import type { Packet, Properties, ProtocolVersion } from '../src/codec/types.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
// --only=<text> keeps the cases whose name contains the text (for profiling one case).
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const ROUND_MS = QUICK ? 100 : 500;
const ROUNDS = QUICK ? 2 : 5;
const CHUNK = 64 * 1024;
// Parse buffers hold about this many bytes (at least MIN_STREAM_PACKETS packets), so one pass is long enough
// to time and short enough to sit in cache-friendly memory.
const STREAM_BYTES = QUICK ? 256 * 1024 : 1024 * 1024;
const MIN_STREAM_PACKETS = 16;

interface BenchCase {
  name: string;
  version: ProtocolVersion;
  packet: Packet;
  /** The same packet as an mqtt-packet object. */
  mpPacket: Record<string, unknown>;
}

const V5_PUBLISH_PROPS: Properties = { messageExpiryInterval: 3600, contentType: 'application/json', userProperties: [['trace', 'abc123']] };
const MP_V5_PUBLISH_PROPS = { messageExpiryInterval: 3600, contentType: 'application/json', userProperties: { trace: 'abc123' } };

function publishCase(size: number, label: string, version: ProtocolVersion): BenchCase {
  const payload = Buffer.alloc(size, 0x61);
  const props = version === 5 ? V5_PUBLISH_PROPS : EMPTY_PROPERTIES;
  return {
    name: `publish ${label} v${version}`,
    version,
    packet: { type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 'sensors/room-1/temperature', packetId: 42, payload, properties: props },
    mpPacket: { cmd: 'publish', topic: 'sensors/room-1/temperature', payload, qos: 1, dup: false, retain: false, messageId: 42, ...(version === 5 ? { properties: MP_V5_PUBLISH_PROPS } : {}) },
  };
}

function connectCase(version: ProtocolVersion): BenchCase {
  const props: Properties = version === 5 ? { sessionExpiryInterval: 300, receiveMaximum: 100 } : EMPTY_PROPERTIES;
  return {
    name: `connect v${version}`,
    version,
    packet: {
      type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: version, clean: true, keepAlive: 60, clientId: 'bench-client-0001',
      username: 'user', password: Buffer.from('secret'), will: undefined, properties: props,
    },
    mpPacket: {
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean: true, keepalive: 60, clientId: 'bench-client-0001',
      username: 'user', password: Buffer.from('secret'), ...(version === 5 ? { properties: { sessionExpiryInterval: 300, receiveMaximum: 100 } } : {}),
    },
  };
}

function subscribeCase(version: ProtocolVersion): BenchCase {
  const topics = ['a/b/c', 'sensors/+/temperature', 'home/#', '$share/g/jobs', 'x/y'];
  return {
    name: `subscribe 5 filters v${version}`,
    version,
    packet: {
      type: PacketType.SUBSCRIBE, packetId: 7,
      subscriptions: topics.map((topic) => ({ topic, qos: 1 as const, noLocal: false, retainAsPublished: false, retainHandling: 0 as const })),
      properties: version === 5 ? {} : EMPTY_PROPERTIES,
    },
    mpPacket: {
      cmd: 'subscribe', messageId: 7,
      subscriptions: topics.map((topic) => (version === 5 ? { topic, qos: 1, nl: false, rap: false, rh: 0 } : { topic, qos: 1 })),
      ...(version === 5 ? { properties: {} } : {}),
    },
  };
}

function pubackCase(version: ProtocolVersion): BenchCase {
  return {
    name: `puback v${version}`,
    version,
    packet: { type: PacketType.PUBACK, packetId: 42, reasonCode: 0, properties: version === 5 ? {} : EMPTY_PROPERTIES },
    mpPacket: { cmd: 'puback', messageId: 42, ...(version === 5 ? { reasonCode: 0, properties: {} } : {}) },
  };
}

const CASES: BenchCase[] = [];
for (const version of [4, 5] as const) {
  CASES.push(publishCase(16, '16 B', version), publishCase(1024, '1 KiB', version), publishCase(64 * 1024, '64 KiB', version));
}
for (const version of [4, 5] as const) CASES.push(connectCase(version), subscribeCase(version), pubackCase(version));

// Keeps results alive so the optimiser cannot drop the work.
let sink = 0;

/** Runs `work` (which returns how many operations it did) for about `ms`; returns operations per second. */
function timed(work: () => number, ms: number): number {
  let ops = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(ms * 1e6));
  let elapsed: bigint;
  do {
    ops += work();
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return ops / (Number(elapsed) / 1e9);
}

interface Side {
  parse: () => number;
  encode: () => number;
}

function chunksOf(stream: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; i += CHUNK) chunks.push(stream.subarray(i, Math.min(i + CHUNK, stream.length)));
  return chunks;
}

function buildSides(c: BenchCase): { swiftlet: Side; mqttPacket: Side; bytes: number } {
  const one = encodePacket(c.packet, c.version);
  // Both parsers read the same stream (our encoding; mqtt-packet may pick a longer but equivalent form, e.g. a
  // 5.0 PUBACK with the success code written out), and MB/s is counted on our encoded size for both sides.
  const count = Math.max(MIN_STREAM_PACKETS, Math.ceil(STREAM_BYTES / one.length));
  const chunks = chunksOf(Buffer.concat(Array.from({ length: count }, () => one)));

  let ourPackets = 0;
  const ours = new Parser({
    onPacket: () => {
      ourPackets++;
    },
    onError: (e) => {
      throw e;
    },
    protocolVersion: c.version,
  });
  let mpPackets = 0;
  const theirs = mp.parser({ protocolVersion: c.version });
  theirs.on('packet', () => {
    mpPackets++;
  });
  theirs.on('error', (e: Error) => {
    throw e;
  });

  const swiftlet: Side = {
    parse: () => {
      const before = ourPackets;
      for (const chunk of chunks) ours.push(chunk);
      return ourPackets - before;
    },
    encode: () => {
      for (let i = 0; i < 1000; i++) sink += encodePacket(c.packet, c.version).length;
      return 1000;
    },
  };
  const mpOptions = { protocolVersion: c.version };
  const mqttPacket: Side = {
    parse: () => {
      const before = mpPackets;
      for (const chunk of chunks) theirs.parse(chunk);
      return mpPackets - before;
    },
    encode: () => {
      for (let i = 0; i < 1000; i++) sink += mp.generate(c.mpPacket as unknown as mp.Packet, mpOptions).length;
      return 1000;
    },
  };
  return { swiftlet, mqttPacket, bytes: one.length };
}

interface Row {
  case: string;
  op: 'parse' | 'encode';
  bytes: number;
  swiftlet: number;
  mqttPacket: number;
}

function measure(op: 'parse' | 'encode', a: () => number, b: () => number): [number, number] {
  // Warm up both sides so the JIT has compiled them before anything counts.
  timed(a, ROUND_MS / 3);
  timed(b, ROUND_MS / 3);
  let bestA = 0;
  let bestB = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first so drift (thermal, GC debt) does not favour one.
    if (round % 2 === 0) {
      bestA = Math.max(bestA, timed(a, ROUND_MS));
      bestB = Math.max(bestB, timed(b, ROUND_MS));
    } else {
      bestB = Math.max(bestB, timed(b, ROUND_MS));
      bestA = Math.max(bestA, timed(a, ROUND_MS));
    }
  }
  void op;
  return [bestA, bestB];
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

const rows: Row[] = [];
for (const c of CASES) {
  if (ONLY !== undefined && !c.name.includes(ONLY)) continue;
  const { swiftlet, mqttPacket, bytes } = buildSides(c);
  for (const op of ['parse', 'encode'] as const) {
    const [s, m] = measure(op, swiftlet[op], mqttPacket[op]);
    const row: Row = { case: c.name, op, bytes, swiftlet: s, mqttPacket: m };
    rows.push(row);
    if (JSON_OUT) {
      console.log(JSON.stringify({ case: row.case, op, swiftlet_ops_per_s: Math.round(s), mqtt_packet_ops_per_s: Math.round(m), ratio: Number((s / m).toFixed(2)) }));
    } else {
      process.stderr.write('.');
    }
  }
}

if (!JSON_OUT) {
  process.stderr.write('\n');
  const header = ['case', 'op', 'bytes', 'swiftlet pkt/s', 'swiftlet MB/s', 'mqtt-packet pkt/s', 'mqtt-packet MB/s', 'ratio'];
  const table = rows.map((r) => [
    r.case, r.op, String(r.bytes), fmt(r.swiftlet), ((r.swiftlet * r.bytes) / 1e6).toFixed(1), fmt(r.mqttPacket), ((r.mqttPacket * r.bytes) / 1e6).toFixed(1), `${(r.swiftlet / r.mqttPacket).toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const t of table) console.log(line(t));
}
if (sink === -1) console.log(sink);
