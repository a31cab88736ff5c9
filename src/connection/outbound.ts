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
export function writePending(stream: Duplex, pending: Buffer[], bytes: number): boolean {
  if (pending.length === 1) return stream.write(pending[0]);
  if (bytes < LARGE_WRITE_BYTES || !hasLargeBuffer(pending)) return stream.write(joinBuffers(pending, bytes));
  return writeGathered(stream, pending);
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
function joinBuffers(buffers: Buffer[], total: number): Buffer {
  const out = allocateBuffer(total);
  let at = 0;
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function hasLargeBuffer(buffers: Buffer[]): boolean {
  for (let i = 0; i < buffers.length; i++) if (buffers[i]!.length >= LARGE_WRITE_BYTES) return true;
  return false;
}

// Writes small buffers joined and large ones as they are, corked so a socket sends them with one writev.
function writeGathered(stream: Duplex, buffers: Buffer[]): boolean {
  let ok = true;
  let runStart = 0;
  let runBytes = 0;
  const writeRun = (end: number): void => {
    if (end - runStart === 1) ok = stream.write(buffers[runStart]!);
    else if (end > runStart) ok = stream.write(joinBuffers(buffers.slice(runStart, end), runBytes));
  };
  stream.cork();
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    if (b.length < LARGE_WRITE_BYTES) {
      runBytes += b.length;
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
