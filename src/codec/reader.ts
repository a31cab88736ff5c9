// A cursor over one packet body: offset-based reads that throw Malformed Packet instead of reading past the end.
import { malformed } from './errors.js';
import type { ProtocolVersion } from './types.js';
import { decodeUtf8String } from './utf8.js';

/** Reads MQTT data types from `buf[pos, end)`; reset and reused per packet so reading allocates only values. */
export class Reader {
  /** The bytes being read (often the socket chunk itself). */
  buf: Buffer;
  /** Next byte to read. */
  pos: number;
  /** One past the last byte of the packet body. */
  end: number;
  /** Protocol version the body is read with; picks spec ids and 5.0-only rules. */
  version: ProtocolVersion;

  constructor(buf: Buffer = Buffer.alloc(0), pos = 0, end = buf.length, version: ProtocolVersion = 4) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.version = version;
  }

  /** Points the reader at a new body without allocating. */
  reset(buf: Buffer, pos: number, end: number, version: ProtocolVersion): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.version = version;
  }

  /** Bytes left in the body. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reads one byte. */
  readUint8(): number {
    if (this.pos >= this.end) throw malformed('packet ends inside a byte field');
    return this.buf[this.pos++]!;
  }

  /** Reads a big-endian Two Byte Integer. */
  readUint16(): number {
    const p = this.pos;
    if (p + 2 > this.end) throw malformed('packet ends inside a two byte integer');
    this.pos = p + 2;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  /** Reads a big-endian Four Byte Integer. */
  readUint32(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw malformed('packet ends inside a four byte integer');
    this.pos = p + 4;
    return this.buf.readUInt32BE(p);
  }

  /** Reads a Variable Byte Integer: at most 4 bytes, and in 5.0 minimally encoded [MQTT-1.5.5-1]. */
  readVarint(): number {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.end) throw malformed('packet ends inside a variable byte integer');
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0 && this.version === 5) throw malformed('variable byte integer is not minimal', 'MQTT-1.5.5-1');
        return value;
      }
      multiplier *= 128;
    }
    throw malformed('variable byte integer longer than 4 bytes');
  }

  /** Reads a UTF-8 Encoded String, enforcing the UTF-8 rules of section 1.5.4. */
  readString(): string {
    const len = this.readUint16();
    const start = this.pos;
    const stop = start + len;
    if (stop > this.end) throw malformed('string runs past the end of the packet');
    this.pos = stop;
    return decodeUtf8String(this.buf, start, stop, this.version);
  }

  /**
   * Reads a topic name. When its bytes spell `previous` (a publisher repeating its topic, the common
   * case) that very string is returned: no allocation, and its hash is already computed for the
   * router's lookups. `topicReused` tells the caller it may skip validating it again.
   */
  readTopic(previous: string | undefined): string {
    const len = this.readUint16();
    const start = this.pos;
    const stop = start + len;
    if (stop > this.end) throw malformed('string runs past the end of the packet');
    this.pos = stop;
    const buf = this.buf;
    if (previous !== undefined && previous.length === len) {
      let i = 0;
      // Byte-by-char equality is exact for ASCII; any byte >= 0x80 or a mismatch falls back to decoding.
      while (i < len && buf[start + i] === previous.charCodeAt(i)) i++;
      if (i === len) {
        this.topicReused = true;
        return previous;
      }
    }
    this.topicReused = false;
    return decodeUtf8String(buf, start, stop, this.version);
  }

  /** True when the last readTopic returned the previous, already validated string. */
  topicReused = false;

  /** The topic of the previous PUBLISH on the same stream (set by the parser), for readTopic. */
  previousTopic: string | undefined = undefined;

  /** Reads Binary Data as a view of the underlying buffer (no copy). */
  readBinary(): Buffer {
    const len = this.readUint16();
    const start = this.pos;
    const stop = start + len;
    if (stop > this.end) throw malformed('binary data runs past the end of the packet');
    this.pos = stop;
    return this.buf.subarray(start, stop);
  }

  /** Returns the rest of the body as a view (the PUBLISH payload) and moves to the end. */
  readRest(): Buffer {
    const start = this.pos;
    this.pos = this.end;
    return this.buf.subarray(start, this.end);
  }

  /** Throws Malformed Packet when bytes are left over after the last field. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) throw malformed(`${this.end - this.pos} unexpected bytes after the ${what}`);
  }
}
