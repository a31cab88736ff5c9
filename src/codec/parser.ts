// Streaming MQTT parser: bytes in (any chunking), whole packets out through a callback.
import { decodeBody, toProtocolError } from './decode.js';
import { ProtocolError, malformed } from './errors.js';
import { MAX_PACKET_SIZE, validateFixedHeader } from './fixed-header.js';
import { Reader } from './reader.js';
import { ReasonCode } from './reason-codes.js';
import { PacketType } from './types.js';
import type { Packet, ProtocolVersion } from './types.js';

/** Callbacks and limits of a Parser. */
export interface ParserOptions {
  /** Called synchronously inside push() for every decoded packet. */
  onPacket(packet: Packet): void;
  /** Called once; afterwards the parser is failed and ignores input. */
  onError(error: ProtocolError): void;
  /** Largest whole packet (fixed header + remaining length) accepted, in bytes; default 268435460. */
  maxPacketSize?: number;
  /** Version packets are decoded with; until set (or a CONNECT is decoded) packets decode as version 4. */
  protocolVersion?: ProtocolVersion;
}

const SHARED_READER = new Reader();

// Parser states: waiting for byte 1, inside the remaining length, waiting for the body.
const FIXED_HEADER = 0;
const REMAINING_LENGTH = 1;
const BODY = 2;

/**
 * Turns a byte stream into packets. Whole packets inside one chunk decode straight from that chunk (payloads are
 * views of it); only a packet split across chunks is buffered, and it is copied once when its body spans chunks.
 * The maximum packet size is checked as soon as the remaining length is complete, before the body is buffered.
 */
export class Parser {
  // Callbacks are called through the options object so user code sees the `this` it passed.
  readonly #options: ParserOptions;
  #maxPacketSize: number;
  #version: ProtocolVersion | undefined;
  #failed = false;
  // Buffered input: unconsumed bytes are chunks[0][head..] followed by the other chunks.
  #chunks: Buffer[] = [];
  #head = 0;
  #buffered = 0;
  #state = FIXED_HEADER;
  #header = 0;
  #remaining = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  // One reader for all parsers: decoding never calls out before it finishes, so it cannot be re-entered,
  // and an idle connection then carries no reader of its own.
  readonly #reader = SHARED_READER;
  // The chunk and range of the packet being handed to onPacket, when it arrived whole in one chunk.
  #rawChunk: Buffer | undefined = undefined;
  #rawStart = 0;
  #rawEnd = 0;
  // Topic of the last PUBLISH: a repeated topic is recognised from its bytes and the string reused.
  #lastTopic: string | undefined = undefined;

  constructor(options: ParserOptions) {
    this.#options = options;
    this.#maxPacketSize = options.maxPacketSize ?? MAX_PACKET_SIZE;
    this.#version = options.protocolVersion;
  }

  /** Protocol version packets are decoded with; undefined until set or until a CONNECT is decoded. */
  get protocolVersion(): ProtocolVersion | undefined {
    return this.#version;
  }

  /** True after a protocol error; input is then ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held for a packet that has not fully arrived yet (a fixed header already parsed is not counted). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Sets the version following packets decode with (the broker calls it once the CONNECT is accepted). */
  setProtocolVersion(version: ProtocolVersion): void {
    this.#version = version;
  }

  /** Sets the largest accepted whole packet in bytes; applies from the next fixed header on. */
  setMaxPacketSize(bytes: number): void {
    this.#maxPacketSize = bytes;
  }

  /**
   * The wire bytes of the packet being delivered to onPacket, when it arrived whole inside one chunk
   * (a view of that chunk, valid only during the onPacket call); undefined otherwise. Lets the broker
   * forward a PUBLISH without encoding it again.
   */
  currentPacketBytes(): Buffer | undefined {
    return this.#rawChunk === undefined ? undefined : this.#rawChunk.subarray(this.#rawStart, this.#rawEnd);
  }

  /** Feeds bytes; decoded packets and at most one error are reported synchronously through the callbacks. */
  push(chunk: Buffer): void {
    if (this.#failed || chunk.length === 0) return;
    if (this.#buffered === 0 && this.#state === FIXED_HEADER) {
      this.#parseChunk(chunk, 0);
      return;
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#parseBuffered();
  }

  // Fast path: packets that lie whole inside `buf` are decoded in place; a partial tail is buffered.
  #parseChunk(buf: Buffer, off: number): void {
    const len = buf.length;
    while (off < len) {
      const version = this.#version ?? 4;
      const header = buf[off]!;
      try {
        validateFixedHeader(header, version);
      } catch (error) {
        this.#fail(toProtocolError(error));
        return;
      }
      let p = off + 1;
      let remaining = 0;
      let multiplier = 1;
      let complete = false;
      while (p < len) {
        const b = buf[p++]!;
        remaining += (b & 0x7f) * multiplier;
        if ((b & 0x80) === 0) {
          if (b === 0 && p - off > 2 && version === 5) {
            this.#fail(malformed('remaining length is not minimal', 'MQTT-1.5.5-1'));
            return;
          }
          complete = true;
          break;
        }
        if (p - off === 5) {
          this.#fail(malformed('remaining length longer than 4 bytes'));
          return;
        }
        multiplier *= 128;
      }
      if (!complete) {
        // The remaining length itself is split: re-read it from the buffer when more bytes come.
        this.#bufferTail(buf, off);
        return;
      }
      if (p - off + remaining > this.#maxPacketSize) {
        this.#tooLarge(p - off + remaining);
        return;
      }
      const end = p + remaining;
      if (end > len) {
        this.#header = header;
        this.#remaining = remaining;
        this.#state = BODY;
        this.#bufferTail(buf, p);
        return;
      }
      const reader = this.#reader;
      reader.reset(buf, p, end, version);
      reader.previousTopic = this.#lastTopic;
      let packet: Packet;
      try {
        packet = decodeBody(reader, header, version);
      } catch (error) {
        this.#fail(toProtocolError(error), header >> 4 !== PacketType.CONNECT);
        return;
      }
      if (packet.type === PacketType.CONNECT) this.#version = packet.protocolVersion;
      else if (packet.type === PacketType.PUBLISH) this.#lastTopic = packet.topic;
      this.#rawChunk = buf;
      this.#rawStart = off;
      this.#rawEnd = end;
      this.#options.onPacket(packet);
      this.#rawChunk = undefined;
      if (this.#failed) return;
      off = end;
    }
  }

  #bufferTail(buf: Buffer, from: number): void {
    // A view, not a copy: the chunk stays alive only until the packet completes.
    this.#chunks.push(from === 0 ? buf : buf.subarray(from));
    this.#buffered += buf.length - from;
  }

  // Slow path: state machine over the chunk list for packets that straddle chunks.
  #parseBuffered(): void {
    for (;;) {
      const version = this.#version ?? 4;
      if (this.#state === FIXED_HEADER) {
        if (this.#buffered === 0) return;
        const header = this.#readByte();
        try {
          validateFixedHeader(header, version);
        } catch (error) {
          this.#fail(toProtocolError(error));
          return;
        }
        this.#header = header;
        this.#remaining = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
        this.#state = REMAINING_LENGTH;
      }
      if (this.#state === REMAINING_LENGTH) {
        for (;;) {
          if (this.#buffered === 0) return;
          const b = this.#readByte();
          this.#lengthBytes++;
          this.#remaining += (b & 0x7f) * this.#multiplier;
          if ((b & 0x80) === 0) {
            if (b === 0 && this.#lengthBytes > 1 && version === 5) {
              this.#fail(malformed('remaining length is not minimal', 'MQTT-1.5.5-1'));
              return;
            }
            break;
          }
          if (this.#lengthBytes === 4) {
            this.#fail(malformed('remaining length longer than 4 bytes'));
            return;
          }
          this.#multiplier *= 128;
        }
        const total = 1 + this.#lengthBytes + this.#remaining;
        if (total > this.#maxPacketSize) {
          this.#tooLarge(total);
          return;
        }
        this.#state = BODY;
      }
      // BODY
      const remaining = this.#remaining;
      if (this.#buffered < remaining) return;
      const body = this.#consume(remaining);
      this.#state = FIXED_HEADER;
      const reader = this.#reader;
      reader.reset(body, 0, remaining, version);
      reader.previousTopic = this.#lastTopic;
      let packet: Packet;
      try {
        packet = decodeBody(reader, this.#header, version);
      } catch (error) {
        this.#fail(toProtocolError(error), this.#header >> 4 !== PacketType.CONNECT);
        return;
      }
      if (packet.type === PacketType.CONNECT) this.#version = packet.protocolVersion;
      else if (packet.type === PacketType.PUBLISH) this.#lastTopic = packet.topic;
      this.#options.onPacket(packet);
      if (this.#failed) return;
      if (this.#chunks.length === 1) {
        // Back to the fast path with what is left of the last chunk.
        const rest = this.#head === 0 ? this.#chunks[0]! : this.#chunks[0]!.subarray(this.#head);
        this.#chunks = [];
        this.#head = 0;
        this.#buffered = 0;
        this.#parseChunk(rest, 0);
        return;
      }
    }
  }

  #readByte(): number {
    const chunk = this.#chunks[0]!;
    const b = chunk[this.#head++]!;
    this.#buffered--;
    if (this.#head === chunk.length) {
      this.#chunks.shift();
      this.#head = 0;
    }
    return b;
  }

  // Takes n buffered bytes: a view when they sit in one chunk, one copy when they span chunks.
  #consume(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (n === 0 || first === undefined) return Buffer.alloc(0);
    const avail = first.length - this.#head;
    if (avail >= n) {
      const view = first.subarray(this.#head, this.#head + n);
      if (avail === n) {
        this.#chunks.shift();
        this.#head = 0;
      } else {
        this.#head += n;
      }
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(chunk.length - this.#head, n - written);
      chunk.copy(out, written, this.#head, this.#head + take);
      written += take;
      this.#head += take;
      if (this.#head === chunk.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    return out;
  }

  #tooLarge(total: number): void {
    this.#fail(new ProtocolError(ReasonCode.PACKET_TOO_LARGE, `packet of ${total} bytes exceeds the maximum packet size ${this.#maxPacketSize}`));
  }

  // A CONNECT's error carries the level the CONNECT itself declared (set by decodeConnect), never the parser's.
  #fail(error: ProtocolError, fillVersion = true): void {
    if (this.#failed) return;
    this.#failed = true;
    if (fillVersion && error.protocolVersion === undefined && this.#version !== undefined) error.protocolVersion = this.#version;
    // Drop buffered input so a failed parser holds no memory.
    this.#chunks = [];
    this.#head = 0;
    this.#buffered = 0;
    this.#options.onError(error);
  }
}
