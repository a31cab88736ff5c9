// Outbound bytes: how a connection's pending packets reach its stream, and the once-per-turn flush of every connection.
import type { Duplex } from 'node:stream';
import { allocateBuffer } from '../codec/slab.js';

/**
 * Buffers at least this large are written as they are instead of being copied into the joined write of a turn:
 * copying them costs more than the extra write request. Deliveries with payloads this large send the payload
 * buffer itself after a separately encoded head.
 */
export const LARGE_WRITE_BYTES = 16 * 1024;

/**
 * Writes a connection's pending packets in one go: one buffer as it is, small packets joined into one
 * buffer (one copy is far cheaper than n stream writes, each a write request), large ones never copied.
 * Returns the stream's write() answer (false = back-pressure).
 */
export function writePending(stream: Duplex, pending: PendingChunk[], bytes: number): boolean {
  if (pending.length === 1) {
    const only = pending[0]!;
    return stream.write(typeof only === 'number' ? joinBuffers(pending, 4) : only);
  }
  if (bytes < LARGE_WRITE_BYTES || !hasLargeBuffer(pending)) return stream.write(joinBuffers(pending, bytes));
  return writeGathered(stream, pending);
}

/**
 * One queued packet: its bytes, or a 4-byte packet given as a number, `(first byte << 16) | packet id` (PUBACK,
 * PUBREC, PUBREL, PUBCOMP in their short form), written straight into the joined output: no Buffer per ack.
 */
export type PendingChunk = Buffer | number;

/** A short acknowledgement as a PendingChunk. */
export function shortAck(firstByte: number, packetId: number): number {
  return (firstByte << 16) | packetId;
}

/** Byte length of a PendingChunk. */
export function chunkLength(chunk: PendingChunk): number {
  return typeof chunk === 'number' ? 4 : chunk.length;
}

/** Something with pending bytes to write. */
export interface Flushable {
  flush(): void;
}

/**
 * Flushes every connection written to during an event-loop turn once, right after the turn's poll phase: all
 * sockets read in this iteration have been handled, so each connection gets one write for all of them, and a
 * quiet broker still writes within the same loop iteration (no timer, no added latency).
 */
export class FlushScheduler {
  #queue: Flushable[] = [];
  #scheduled = false;
  readonly #flushAll = (): void => {
    this.#scheduled = false;
    const q = this.#queue;
    this.#queue = [];
    for (let i = 0; i < q.length; i++) q[i]!.flush();
  };

  /** Queues `target` to be flushed after the current turn; the caller queues each target once per turn. */
  schedule(target: Flushable): void {
    this.#queue.push(target);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushAll);
    }
  }
}

// Buffer.concat, with the joined buffer from the codec's slab when it is small enough (no new ArrayBuffer per flush).
function joinBuffers(buffers: PendingChunk[], total: number): Buffer {
  const out = allocateBuffer(total);
  let at = 0;
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    if (typeof b === 'number') {
      out[at] = b >>> 16;
      out[at + 1] = 2;
      out[at + 2] = (b >>> 8) & 0xff;
      out[at + 3] = b & 0xff;
      at += 4;
    } else {
      out.set(b, at);
      at += b.length;
    }
  }
  return out;
}

function hasLargeBuffer(buffers: PendingChunk[]): boolean {
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    if (typeof b !== 'number' && b.length >= LARGE_WRITE_BYTES) return true;
  }
  return false;
}

// Writes small buffers joined and large ones as they are, corked so a socket sends them with one writev.
function writeGathered(stream: Duplex, buffers: PendingChunk[]): boolean {
  let ok = true;
  let runStart = 0;
  let runBytes = 0;
  const writeRun = (end: number): void => {
    const first = buffers[runStart];
    if (end - runStart === 1 && first !== undefined && typeof first !== 'number') ok = stream.write(first);
    else if (end > runStart) ok = stream.write(joinBuffers(buffers.slice(runStart, end), runBytes));
  };
  stream.cork();
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    if (typeof b === 'number' || b.length < LARGE_WRITE_BYTES) {
      runBytes += chunkLength(b);
      continue;
    }
    writeRun(i);
    ok = stream.write(b);
    runStart = i + 1;
    runBytes = 0;
  }
  writeRun(buffers.length);
  stream.uncork();
  return ok;
}
