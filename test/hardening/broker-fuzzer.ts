// Fuzzes a running broker over real TCP: many connections at once, each speaking MQTT 3.1, 3.1.1 or 5.0, sending
// streams built from the wire catalogue (valid and malformed cases), random valid packets from the codec's
// arbitraries, their mutations, and plain random bytes, cut into random chunks. Bounded by time and by count.
// Glossary: "corpus" = the byte strings of one protocol version the streams are built from; "stream" = what one
// connection sends.
import net from 'node:net';
import fc from 'fast-check';
import { encodePacket } from '../../src/codec/encode.js';
import type { ProtocolVersion } from '../../src/codec/types.js';
import { allCases } from '../catalogue/index.js';
import { arbitraryPacket } from '../codec/arbitraries.js';
import { connectPacket } from '../helpers/packets.js';
import { Prng } from './prng.js';

/** What a fuzz run does: where, how long, how many, and the seed that makes it repeatable. */
export interface FuzzOptions {
  readonly port: number;
  readonly seed: number;
  /** Stop starting connections after this many seconds. */
  readonly seconds: number;
  /** Stop after this many connections in total. */
  readonly connections: number;
  /** Connections open at the same time. */
  readonly concurrency: number;
  /** Longest life of one fuzz connection, ms; then it is destroyed. Default 3000. */
  readonly lingerMs?: number;
  /** Random valid packets generated per version for the corpus. Default 300. */
  readonly generatedPerVersion?: number;
}

/** What a fuzz run did. */
export interface FuzzReport {
  connections: number;
  /** Connections that could not be opened (refused or reset at connect). */
  connectErrors: number;
  /** Connections the broker closed before the fuzzer did. */
  closedByBroker: number;
  bytesSent: number;
  bytesReceived: number;
  byVersion: Record<ProtocolVersion, number>;
  elapsedMs: number;
}

type Corpus = Record<ProtocolVersion, Buffer[]>;

const VERSIONS: readonly ProtocolVersion[] = [3, 4, 5];

/** Catalogue bytes of each version (valid and malformed) plus `generated` random valid packets per version. */
export function buildCorpus(seed: number, generated = 300): Corpus {
  const corpus: Corpus = { 3: [], 4: [], 5: [] };
  for (const c of allCases) corpus[c.version].push(c.bytes);
  for (const v of VERSIONS) {
    // maxPayloadLength keeps the corpus small; length mutations still produce the large claims.
    const packets = fc.sample(arbitraryPacket(v, { maxPayloadLength: 256 }), { seed: seed + v, numRuns: generated });
    for (const p of packets) corpus[v].push(encodePacket(p, v));
  }
  return corpus;
}

// A remaining-length varint of `n` (up to 4 bytes; larger values wrap into an invalid fifth byte on purpose).
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0 && out.length < 5);
  return Buffer.from(out);
}

/** One random change to `input`: the kinds of damage a broken or hostile client produces. */
export function mutate(rng: Prng, input: Buffer, corpus: readonly Buffer[]): Buffer {
  const b = Buffer.from(input);
  if (b.length === 0) return rng.bytes(rng.int(1, 8));
  const at = rng.int(0, b.length - 1);
  switch (rng.int(0, 9)) {
    case 0: // flip one bit
      b[at] = b[at]! ^ (1 << rng.int(0, 7));
      return b;
    case 1: // replace one byte with an interesting value
      b[at] = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, rng.int(0, 255)]);
      return b;
    case 2: // truncate
      return b.subarray(0, at);
    case 3: // other packet type, same body
      b[0] = (rng.int(0, 15) << 4) | (b[0]! & 0x0f);
      return b;
    case 4: // other fixed-header flags
      b[0] = (b[0]! & 0xf0) | rng.int(0, 15);
      return b;
    case 5: // a lying remaining length: too short, too long, huge or a 5-byte varint
      return Buffer.concat([b.subarray(0, 1), varint(rng.pick([0, 1, rng.int(0, 300), 16_383, 2_097_151, 268_435_455, 2 ** 29])), b.subarray(2)]);
    case 6: // insert random bytes
      return Buffer.concat([b.subarray(0, at), rng.bytes(rng.int(1, 16)), b.subarray(at)]);
    case 7: // duplicate a slice
      return Buffer.concat([b.subarray(0, at), b.subarray(at, at + rng.int(1, 32)), b.subarray(at)]);
    case 8: // splice the head of this case onto the tail of another one
      return Buffer.concat([b.subarray(0, at), rng.pick(corpus).subarray(rng.int(0, 4))]);
    default: // overwrite a run with 0xff (huge lengths and counts inside the variable header)
      b.fill(0xff, at, Math.min(b.length, at + rng.int(1, 4)));
      return b;
  }
}

/** The bytes one connection sends: usually a CONNECT of its version first, then a mix of corpus, mutations and noise. */
export function buildStream(rng: Prng, version: ProtocolVersion, corpus: readonly Buffer[], clientId: string): Buffer {
  const parts: Buffer[] = [];
  const opening = rng.next();
  const connect = (): Buffer =>
    encodePacket(
      connectPacket(clientId, version, {
        clean: rng.chance(0.8),
        keepAlive: rng.pick([0, 1, 2, 60]),
        will: rng.chance(0.2) ? { topic: `fuzz/will/${clientId}`, payload: rng.bytes(rng.int(0, 32)), qos: rng.pick([0, 1, 2] as const), retain: rng.chance(0.3), properties: {} } : undefined,
      }),
      version,
    );
  if (opening < 0.7) parts.push(connect());
  else if (opening < 0.85) parts.push(mutate(rng, connect(), corpus));
  const count = rng.int(0, 24);
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    if (r < 0.5) parts.push(rng.pick(corpus));
    else if (r < 0.85) parts.push(mutate(rng, rng.pick(corpus), corpus));
    else if (r < 0.95) parts.push(rng.bytes(rng.int(1, 64)));
    else parts.push(connect()); // a second CONNECT is a protocol violation
  }
  return Buffer.concat(parts);
}

/** Cuts `bytes` into 1..8 random chunks (sometimes single bytes), so every parser state sees a chunk edge. */
export function chunk(rng: Prng, bytes: Buffer): Buffer[] {
  if (bytes.length <= 1 || rng.chance(0.3)) return [bytes];
  if (rng.chance(0.1) && bytes.length <= 64) return [...bytes].map((x) => Buffer.from([x]));
  const cuts = new Set<number>();
  const n = rng.int(1, 7);
  for (let i = 0; i < n; i++) cuts.add(rng.int(1, bytes.length - 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}

/** Runs one fuzz connection to its end; resolves whether the broker closed it first. */
function fuzzConnection(port: number, rng: Prng, stream: Buffer, lingerMs: number, counts: FuzzReport): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const chunks = chunk(rng, stream);
    // A reader that never reads: the broker's answers pile up in its outbound queue instead.
    const stalled = rng.chance(0.1);
    const endHow = rng.pick(['end', 'destroy', 'linger'] as const);
    let connected = false;
    let finished = false;
    let ourClose = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(hardStop);
      resolve();
    };
    const hardStop = setTimeout(() => {
      ourClose = true;
      socket.destroy();
    }, lingerMs);
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      counts.bytesReceived += d.length;
    });
    if (stalled) socket.pause();
    socket.once('close', () => {
      if (!connected) counts.connectErrors++;
      else if (!ourClose) counts.closedByBroker++;
      finish();
    });
    socket.once('connect', () => {
      connected = true;
      let i = 0;
      const writeNext = (): void => {
        if (socket.destroyed) return;
        const c = chunks[i++];
        if (c === undefined) {
          if (endHow === 'end') {
            ourClose = true;
            socket.end();
          } else if (endHow === 'destroy') {
            ourClose = true;
            socket.destroy();
          }
          // 'linger': stay until the broker closes (keep alive, connect timeout, an error) or the hard stop.
          return;
        }
        counts.bytesSent += c.length;
        socket.write(c);
        if (rng.chance(0.5)) setImmediate(writeNext);
        else writeNext();
      };
      writeNext();
    });
  });
}

/** Runs the fuzz: keeps `concurrency` connections going until the time or the count runs out. */
export async function fuzzBroker(options: FuzzOptions, onProgress?: (report: FuzzReport) => void): Promise<FuzzReport> {
  const corpus = buildCorpus(options.seed, options.generatedPerVersion ?? 300);
  const lingerMs = options.lingerMs ?? 3000;
  const report: FuzzReport = { connections: 0, connectErrors: 0, closedByBroker: 0, bytesSent: 0, bytesReceived: 0, byVersion: { 3: 0, 4: 0, 5: 0 }, elapsedMs: 0 };
  const start = Date.now();
  const deadline = start + options.seconds * 1000;
  let progressAt = start;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && report.connections < options.connections) {
      const n = report.connections++;
      // Each connection gets its own generator seeded from the run's, so its stream does not depend on timing.
      const own = new Prng(options.seed ^ Math.imul(n + 1, 0x9e3779b1));
      const version = own.pick(VERSIONS);
      report.byVersion[version]++;
      // Few distinct ids: connections take over each other's sessions.
      const stream = buildStream(own, version, corpus[version], `fuzz-${n % 64}`);
      await fuzzConnection(options.port, own, stream, lingerMs, report);
      if (onProgress !== undefined && Date.now() - progressAt >= 1000) {
        progressAt = Date.now();
        onProgress({ ...report, elapsedMs: progressAt - start });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  report.elapsedMs = Date.now() - start;
  return report;
}
