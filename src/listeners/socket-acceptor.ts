// Accept path shared by TCP and TLS listeners: connection limits, then a PROXY header from trusted peers.
import type { Socket } from 'node:net';
import { createAddressMatcher, type AddressMatcher } from './address-matcher.js';
import { ConnectionGate, type ConnectionLimits } from './connection-gate.js';
import type { ProxiedAddress } from './proxy-protocol.js';
import { DEFAULT_PROXY_HEADER_TIMEOUT_MS, readProxyHeader } from './proxy-reader.js';

/** PROXY protocol settings: which peers must send a header, and how long they have. */
export interface ProxyProtocolOptions {
  /** Addresses and CIDRs of the proxies; only they may (and must) send a PROXY v1/v2 header. */
  readonly trusted: readonly string[];
  /** Milliseconds a trusted peer has to complete the header; default 5000. */
  readonly headerTimeoutMs?: number;
}

/** Per-connection accept path shared by TCP and TLS: limits, then PROXY header (from trusted peers only). */
export class SocketAcceptor {
  readonly gate: ConnectionGate;
  readonly #trusted: AddressMatcher | undefined;
  readonly #headerTimeoutMs: number;

  constructor(limits: ConnectionLimits, proxy: ProxyProtocolOptions | undefined) {
    this.gate = new ConnectionGate(limits);
    this.#trusted = proxy === undefined ? undefined : createAddressMatcher(proxy.trusted);
    this.#headerTimeoutMs = proxy?.headerTimeoutMs ?? DEFAULT_PROXY_HEADER_TIMEOUT_MS;
  }

  /**
   * Admits `socket` or destroys it; calls `next` with the proxied address when a trusted peer sent one.
   * An untrusted peer's bytes are never inspected: a PROXY header from it reaches the broker as (invalid) MQTT.
   */
  accept(socket: Socket, next: (socket: Socket, proxied: ProxiedAddress | undefined) => void): void {
    const trusted = this.#trusted;
    const peer = socket.remoteAddress ?? '';
    const proxied = trusted !== undefined && trusted(peer);
    // A trusted proxy speaks for many clients: the per-address rate applies to the address in its header instead.
    if (this.gate.check(proxied ? undefined : peer) !== undefined) {
      socket.destroy();
      return;
    }
    this.gate.track(socket);
    if (!proxied) {
      next(socket, undefined);
      return;
    }
    // Until the broker owns the socket, an error (e.g. ECONNRESET) must not become an uncaught exception.
    readProxyHeader(socket, this.#headerTimeoutMs, (error, header) => {
      if (error !== null) {
        this.gate.refusedProxy();
        return;
      }
      if (header !== undefined && this.gate.checkAddress(header.sourceAddress) !== undefined) {
        socket.destroy();
        return;
      }
      next(socket, header);
    });
  }
}
