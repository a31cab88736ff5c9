// TLS listener: optional PROXY header on the raw socket, then the TLS handshake, then the TLSSocket goes to the broker.
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { ConnectionHandler, Listener, ListenerAddress, ListenerStats } from './listener.js';
import { bindServer, fixedLocalEnd, serverAddress, socketMeta, unbindServer } from './net-server.js';
import { readPeerCertificate } from './peer-certificate.js';
import type { ProxiedAddress } from './proxy-protocol.js';
import { SocketAcceptor } from './socket-acceptor.js';
import type { TcpListenerOptions } from './tcp-listener.js';
import { loadTlsMaterial, tlsMaterialFiles, watchTlsMaterial, type ClientCertificateMode, type TlsMaterialOptions } from './tls-material.js';

/** Options of a TLS listener: the TCP options plus certificates, client-certificate policy and reload. */
export interface TlsListenerOptions extends Omit<TcpListenerOptions, 'id'>, TlsMaterialOptions {
  /** Listener id; default `tls`. */
  readonly id?: string;
  /** Client certificates: `none` (default), `optional` (verified when sent), `required` (handshake fails without a valid one). */
  readonly clientCertificates?: ClientCertificateMode;
  /** Milliseconds allowed for the TLS handshake; default 10000. */
  readonly handshakeTimeoutMs?: number;
  /** Re-read the certificate files when they change; default false. */
  readonly watch?: boolean;
  /** Debounce for `watch`, in milliseconds; default 200. */
  readonly watchDebounceMs?: number;
  /** Receives errors of automatic reloads (the old certificates stay in use); default: ignored. */
  readonly onError?: (error: Error) => void;
}

/** Key of a TCP connection; unique among the open connections of one listener. */
function tupleKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? 0}|${socket.localAddress ?? ''}|${socket.localPort ?? 0}`;
}

/** Accepts MQTT over TLS, with optional client certificates and certificate reload without dropping clients. */
export class TlsListener implements Listener {
  readonly id: string;
  readonly transport = 'tls';
  readonly #options: TlsListenerOptions;
  readonly #acceptor: SocketAcceptor;
  #server: NetServer | undefined;
  /** The local end all connections share when bound to one address (set once listening). */
  #local: { readonly host: string; readonly port: number } | undefined;
  #tls: TlsServer | undefined;
  #stopWatching: (() => void) | undefined;
  /** PROXY addresses of connections still in their TLS handshake. */
  readonly #proxied = new Map<string, ProxiedAddress>();

  constructor(options: TlsListenerOptions) {
    this.id = options.id ?? 'tls';
    this.#options = options;
    this.#acceptor = new SocketAcceptor(options, options.proxyProtocol);
  }

  /** Loads the certificates, binds the port and starts handing TLS sockets to `onConnection` after the handshake. */
  async listen(onConnection: ConnectionHandler): Promise<void> {
    if (this.#server !== undefined) throw new Error(`listener ${this.id} is already listening`);
    const options = this.#options;
    const material = await loadTlsMaterial(options, this.id);
    const mode = options.clientCertificates ?? 'none';
    // The TLS server never listens itself: the PROXY header (if any) must be read off the raw socket first.
    const tlsServer = createTlsServer({
      ...material,
      requestCert: mode !== 'none',
      rejectUnauthorized: mode === 'required',
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
    });
    tlsServer.on('secureConnection', (socket: TLSSocket) => {
      const key = tupleKey(socket);
      const proxied = this.#proxied.get(key);
      if (proxied !== undefined) this.#proxied.delete(key);
      socket.setNoDelay(true);
      this.#acceptor.gate.accepted();
      const meta = socketMeta(this.id, this.transport, socket, proxied, this.#local);
      onConnection(socket, mode === 'none' ? meta : { ...meta, certificate: readPeerCertificate(socket) });
    });
    const server = createNetServer();
    server.on('connection', (raw: Socket) => {
      this.#acceptor.accept(raw, (accepted, proxied) => {
        if (proxied !== undefined) {
          const key = tupleKey(accepted);
          this.#proxied.set(key, proxied);
          // Failed handshakes never reach secureConnection; forget their entry when the socket goes.
          accepted.once('close', () => this.#proxied.delete(key));
        }
        tlsServer.emit('connection', accepted);
      });
    });
    this.#tls = tlsServer;
    this.#server = server;
    await bindServer(server, { host: options.host ?? '127.0.0.1', port: options.port, backlog: options.backlog });
    this.#local = fixedLocalEnd(server);
    if (options.watch === true) {
      this.#stopWatching = watchTlsMaterial(
        tlsMaterialFiles(options),
        options.watchDebounceMs ?? 200,
        () => {
          this.reloadCertificates().catch((err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err))));
        },
        (err) => options.onError?.(err),
      );
    }
  }

  /** Re-reads the certificate files and swaps the context for new handshakes; open connections keep theirs. Rejects (keeping the old context) on a bad file. */
  async reloadCertificates(): Promise<void> {
    const tlsServer = this.#tls;
    if (tlsServer === undefined) throw new Error(`listener ${this.id} is not listening`);
    const material = await loadTlsMaterial(this.#options, this.id);
    tlsServer.setSecureContext(material);
  }

  /** Stops accepting and stops watching files; handed-over sockets stay open. */
  async close(): Promise<void> {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    if (this.#server !== undefined) await unbindServer(this.#server);
  }

  /** The bound `{ host, port }`, or undefined before listen(). */
  address(): ListenerAddress | undefined {
    return this.#server === undefined ? undefined : serverAddress(this.#server);
  }

  /** Accepted, refused and open connection counts. */
  stats(): ListenerStats {
    return this.#acceptor.gate.stats();
  }
}
