// One raw MQTT connection for the load generator: CONNECT/SUBSCRIBE handshakes, then frames to a handler.
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { FrameScanner } from './frame-scanner.js';
import type { FrameHandler } from './frame-scanner.js';
import { Byte1, DISCONNECT, encodeBenchConnect, encodeBenchSubscribe } from './packets.js';
import type { BenchProtocol } from './packets.js';

/** Where and how a raw client connects. */
export interface RawClientOptions {
  host: string;
  port: number;
  version: BenchProtocol;
  clientId: string;
  /** Keep alive sent in CONNECT, seconds; the runs are shorter, so no PINGREQ is needed. */
  keepAlive: number;
  /** Time allowed for CONNACK and SUBACK, ms. */
  timeoutMs: number;
}

/** A connected raw client; `onFrame` receives every frame after the handshakes. */
export class RawClient {
  readonly socket: Socket;
  readonly #version: BenchProtocol;
  readonly #timeoutMs: number;
  #handler: FrameHandler = () => undefined;
  #afterChunk: () => void = () => undefined;
  #closing = false;
  /** Set when the socket closed or failed before `close()` was called. */
  failure: string | null = null;

  private constructor(socket: Socket, version: BenchProtocol, timeoutMs: number) {
    this.socket = socket;
    this.#version = version;
    this.#timeoutMs = timeoutMs;
    const scanner = new FrameScanner((b, buf, s, e) => this.#handler(b, buf, s, e));
    socket.on('data', (chunk: Buffer) => {
      try {
        scanner.push(chunk);
        this.#afterChunk();
      } catch (err) {
        this.failure = `bad stream: ${(err as Error).message}`;
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      if (!this.#closing && this.failure === null) this.failure = `socket error: ${err.message}`;
    });
    socket.on('close', () => {
      if (!this.#closing && this.failure === null) this.failure = 'connection closed by the broker';
    });
  }

  /** Opens a TCP connection, sends CONNECT and resolves once a successful CONNACK arrives. */
  static async connect(o: RawClientOptions): Promise<RawClient> {
    const socket = netConnect({ host: o.host, port: o.port, noDelay: true });
    const client = new RawClient(socket, o.version, o.timeoutMs);
    await client.#exchange(encodeBenchConnect(o.version, o.clientId, o.keepAlive), Byte1.CONNACK, (buf, s, e) => {
      const code = e - s >= 2 ? buf[s + 1]! : 0xff;
      if (code !== 0) throw new Error(`CONNACK refused with code 0x${code.toString(16)}`);
    });
    return client;
  }

  /** Subscribes to one filter and resolves with the granted QoS; rejects on a failure code. */
  async subscribe(filter: string, qos: number, packetId = 1): Promise<number> {
    let granted = 0x80;
    await this.#exchange(encodeBenchSubscribe(this.#version, packetId, filter, qos), Byte1.SUBACK, (buf, s, e) => {
      let at = s + 2;
      if (this.#version === 5) {
        // skip the property length varint and the properties
        let len = 0;
        let mul = 1;
        let b: number;
        do {
          b = buf[at++]!;
          len += (b & 0x7f) * mul;
          mul *= 128;
        } while ((b & 0x80) !== 0 && at < e);
        at += len;
      }
      granted = at < e ? buf[at]! : 0x80;
      if (granted >= 0x80) throw new Error(`SUBACK refused ${filter} with code 0x${granted.toString(16)}`);
    });
    return granted;
  }

  /** Sets the handler for every frame received from now on, and one to run after each received chunk. */
  onFrame(handler: FrameHandler, afterChunk: () => void = () => undefined): void {
    this.#handler = handler;
    this.#afterChunk = afterChunk;
  }

  /** Writes bytes; returns false when the socket buffer is above its high-water mark. */
  write(buf: Buffer): boolean {
    return this.socket.write(buf);
  }

  /** Sends DISCONNECT and closes the socket; waits at most a second for the close. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 1000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end(DISCONNECT);
    });
  }

  /** Closes the socket at once without DISCONNECT. */
  destroy(): void {
    this.#closing = true;
    this.socket.destroy();
  }

  #exchange(out: Buffer, expect: number, check: (buf: Buffer, s: number, e: number) => void): Promise<void> {
    // frames other than the reply (e.g. retained PUBLISH racing a SUBACK) go to the handler set before
    const previous = this.#handler;
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        clearTimeout(timer);
        this.socket.off('close', onClose);
        this.#handler = previous;
        this.destroy();
        reject(err);
      };
      const onClose = (): void => fail(new Error(this.failure ?? 'connection closed during handshake'));
      const timer = setTimeout(() => fail(new Error(`no reply to 0x${out[0]!.toString(16)} within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      this.socket.once('close', onClose);
      this.#handler = (byte1, buf, s, e) => {
        if (byte1 !== expect) {
          if (expect === Byte1.CONNACK) return fail(new Error(`expected CONNACK, got packet 0x${byte1.toString(16)}`));
          return previous(byte1, buf, s, e);
        }
        try {
          check(buf, s, e);
        } catch (err) {
          return fail(err as Error);
        }
        clearTimeout(timer);
        this.socket.off('close', onClose);
        this.#handler = previous;
        resolve();
      };
      this.socket.write(out);
    });
  }
}
