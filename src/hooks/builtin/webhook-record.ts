// The compact binary record a webhook appends on the publish path, and its reader on the delivery thread.
// Records of one chunk are written back to back: no object per event, no JSON, no base64 on the broker's thread.

/** The events a webhook can receive. */
export const WEBHOOK_EVENTS = ['client.connected', 'client.disconnected', 'session.expired', 'message.published', 'message.dropped'] as const;

/** Name of a webhook event. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Record kinds: the index of the event in WEBHOOK_EVENTS. */
export const CONNECTED = 0;
export const DISCONNECTED = 1;
export const SESSION_EXPIRED = 2;
export const PUBLISHED = 3;
export const DROPPED = 4;

/** Length prefix of an absent (null) string. */
const NULL_STRING = 0xffffffff;

const EMPTY = Buffer.alloc(0);

/** A full chunk of records, ready to be transferred to the delivery thread. */
export interface RecordChunk {
  readonly buffer: ArrayBuffer;
  readonly length: number;
  readonly count: number;
}

/** Upper bound of the bytes a string takes in a record (length prefix + UTF-8, at most 3 bytes per UTF-16 unit). */
export function stringBound(s: string | null | undefined): number {
  return s == null ? 4 : 4 + s.length * 3;
}

/**
 * Appends records to a chunk of its own ArrayBuffer (transferable, never a slice of Node's shared pool). A record
 * that does not fit in what is left hands the chunk over through `onFull` first; a record larger than a chunk gets
 * a chunk of its own size. A chunk is allocated only when a record needs it: each one is external memory that
 * counts towards V8's garbage collection, so turns without records must not allocate.
 */
export class RecordWriter {
  readonly #chunkSize: number;
  readonly #onFull: (chunk: RecordChunk) => void;
  #buf: Buffer = EMPTY;
  #offset = 0;
  #count = 0;

  constructor(chunkSize: number, onFull: (chunk: RecordChunk) => void) {
    this.#chunkSize = chunkSize;
    this.#onFull = onFull;
  }

  /** Records written into the current chunk. */
  get count(): number {
    return this.#count;
  }

  /** Starts a record of `kind` that takes at most `maxBytes` (kind and timestamp included). */
  begin(kind: number, maxBytes: number): void {
    if (this.#offset + maxBytes > this.#buf.length) {
      if (this.#count > 0) this.#onFull(this.take()!);
      this.#buf = Buffer.allocUnsafeSlow(Math.max(this.#chunkSize, maxBytes));
      this.#offset = 0;
    }
    this.#buf[this.#offset++] = kind;
    this.#count++;
  }

  u8(n: number): void {
    this.#buf[this.#offset++] = n;
  }

  u16(n: number): void {
    this.#buf.writeUInt16LE(n, this.#offset);
    this.#offset += 2;
  }

  f64(n: number): void {
    this.#buf.writeDoubleLE(n, this.#offset);
    this.#offset += 8;
  }

  str(s: string | null | undefined): void {
    const buf = this.#buf;
    if (s == null) {
      buf.writeUInt32LE(NULL_STRING, this.#offset);
      this.#offset += 4;
      return;
    }
    const n = s.length === 0 ? 0 : buf.write(s, this.#offset + 4);
    buf.writeUInt32LE(n, this.#offset);
    this.#offset += 4 + n;
  }

  bytes(b: Uint8Array): void {
    this.#buf.writeUInt32LE(b.length, this.#offset);
    this.#buf.set(b, this.#offset + 4);
    this.#offset += 4 + b.length;
  }

  /** The records written so far as a chunk (undefined when there are none); the writer starts a fresh one. */
  take(): RecordChunk | undefined {
    if (this.#count === 0) return undefined;
    const chunk: RecordChunk = { buffer: this.#buf.buffer as ArrayBuffer, length: this.#offset, count: this.#count };
    this.#buf = EMPTY;
    this.#offset = 0;
    this.#count = 0;
    return chunk;
  }
}

/** Reads the records of a chunk in order (on the delivery thread). */
export class RecordReader {
  readonly #buf: Buffer;
  readonly #end: number;
  #offset = 0;

  constructor(chunk: RecordChunk) {
    this.#buf = Buffer.from(chunk.buffer, 0, chunk.length);
    this.#end = chunk.length;
  }

  get done(): boolean {
    return this.#offset >= this.#end;
  }

  u8(): number {
    return this.#buf[this.#offset++]!;
  }

  u16(): number {
    const n = this.#buf.readUInt16LE(this.#offset);
    this.#offset += 2;
    return n;
  }

  f64(): number {
    const n = this.#buf.readDoubleLE(this.#offset);
    this.#offset += 8;
    return n;
  }

  str(): string | null {
    const n = this.#buf.readUInt32LE(this.#offset);
    this.#offset += 4;
    if (n === NULL_STRING) return null;
    const s = this.#buf.toString('utf8', this.#offset, this.#offset + n);
    this.#offset += n;
    return s;
  }

  /** The payload bytes as base64 (what the JSON body carries). */
  base64(): string {
    const n = this.#buf.readUInt32LE(this.#offset);
    const s = this.#buf.toString('base64', this.#offset + 4, this.#offset + 4 + n);
    this.#offset += 4 + n;
    return s;
  }
}
