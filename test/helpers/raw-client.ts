// A raw MQTT client over TCP built on our codec: sends exact packets or bytes, and awaits exact packets.
import net from 'node:net';
import { Parser, encodePacket, PacketType } from '../../src/index.js';
import type { Packet, ProtocolVersion, ConnectPacket, ProtocolError } from '../../src/index.js';
import { nodePort, placeRawClient } from './cluster-mode.js';
import { connectPacket } from './packets.js';

/** A raw connection: `send` packets or bytes, `next()` the next received packet, `closed` when the socket ends. */
export class RawClient {
  #socket: net.Socket;
  readonly received: Packet[] = [];
  version: ProtocolVersion;
  parseError: ProtocolError | undefined;
  readonly closed: Promise<void>;
  #waiters: ((p: Packet | undefined) => void)[] = [];
  #isClosed = false;
  readonly #parser: Parser;
  #resolveClosed: () => void = () => undefined;
  /** The port the test named, and the one this socket is open on (another node of a test cluster, see cluster-mode.ts). */
  readonly #port: number;
  #connectedPort: number;

  private constructor(socket: net.Socket, version: ProtocolVersion, port: number, connectedPort: number) {
    this.#socket = socket;
    this.#port = port;
    this.#connectedPort = connectedPort;
    this.version = version;
    this.#parser = new Parser({
      protocolVersion: version,
      onPacket: (p) => {
        const w = this.#waiters.shift();
        if (w !== undefined) w(p);
        else this.received.push(p);
      },
      onError: (e) => {
        this.parseError = e;
      },
    });
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#attach(socket);
  }

  readonly #onData = (chunk: Buffer): void => this.#parser.push(chunk);
  readonly #onClose = (): void => {
    this.#isClosed = true;
    for (const w of this.#waiters.splice(0)) w(undefined);
    this.#resolveClosed();
  };
  readonly #onError = (): void => undefined;

  #attach(socket: net.Socket): void {
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
  }

  /** Opens a TCP connection to `port` on 127.0.0.1. */
  static async connect(port: number, version: ProtocolVersion = 4): Promise<RawClient> {
    const target = nodePort(port);
    const socket = net.connect({ port: target, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return new RawClient(socket, version, port, target);
  }

  get socket(): net.Socket {
    return this.#socket;
  }

  // In a test cluster a client id stays on one node: a CONNECT for an id placed on another node than the one this
  // socket was opened on moves the (still silent) connection there first.
  #place(packet: Packet): void {
    if (packet.type !== PacketType.CONNECT) return;
    const target = placeRawClient(this.#port, this.#connectedPort, packet.clientId);
    if (target === this.#connectedPort) return;
    const old = this.#socket;
    const socket = net.connect({ port: target, host: '127.0.0.1' });
    socket.setNoDelay(true);
    this.#socket = socket;
    this.#connectedPort = target;
    this.#attach(socket);
    // Listeners the test put on the socket (a wire tap) move with it.
    const ours: unknown[] = [this.#onData, this.#onClose, this.#onError];
    for (const event of old.eventNames()) {
      for (const listener of old.listeners(event)) if (!ours.includes(listener)) socket.on(event as string, listener as (...args: unknown[]) => void);
    }
    old.removeAllListeners();
    old.on('error', this.#onError);
    old.destroy();
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Sends a packet encoded in this client's version. */
  send(packet: Packet): void {
    this.#place(packet);
    this.#socket.write(encodePacket(packet, this.version));
  }

  /** Sends raw bytes. */
  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next packet, or undefined when the connection closed first; rejects after `timeoutMs`. */
  next(timeoutMs = 2000): Promise<Packet | undefined> {
    const queued = this.received.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#isClosed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`no packet within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (p: Packet | undefined): void => {
        clearTimeout(timer);
        resolve(p);
      };
      this.#waiters.push(done);
    });
  }

  /** The next packet, which must be of `type`. */
  async expect<T extends Packet['type']>(type: T, timeoutMs = 2000): Promise<Extract<Packet, { type: T }>> {
    const p = await this.next(timeoutMs);
    if (p === undefined) throw new Error(`connection closed while waiting for packet type ${type}`);
    if (p.type !== type) throw new Error(`expected packet type ${type}, got ${JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    return p as Extract<Packet, { type: T }>;
  }

  /** Resolves true if nothing arrives within `ms` (the connection may close). */
  async quiet(ms = 200): Promise<boolean> {
    try {
      const p = await this.next(ms);
      if (p !== undefined) {
        this.received.unshift(p);
        return false;
      }
      return true;
    } catch {
      return true;
    }
  }

  /** Waits until the socket is closed; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Sends CONNECT and returns the CONNACK. */
  async handshake(clientId: string, extra: Partial<ConnectPacket> = {}): Promise<Extract<Packet, { type: 2 }>> {
    this.send(connectPacket(clientId, this.version, extra));
    return this.expect(PacketType.CONNACK);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
