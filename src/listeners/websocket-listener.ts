// WebSocket listener (ws:// and wss://) on `ws`, on its own HTTP(S) server or attached to an existing one.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Server as TlsServer, TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { createAddressMatcher, type AddressMatcher } from './address-matcher.js';
import { ConnectionGate, type ConnectionLimits } from './connection-gate.js';
import type { ConnectionHandler, ConnectionMeta, Listener, ListenerAddress, ListenerStats } from './listener.js';
import { bindServer, serverAddress, unbindServer } from './net-server.js';
import { readPeerCertificate } from './peer-certificate.js';
import { loadTlsMaterial, type ClientCertificateMode, type TlsMaterialOptions } from './tls-material.js';
import { WebSocketDuplex } from './websocket-duplex.js';

/** Subprotocols accepted, in order of preference; a client offering none is accepted too. */
export const MQTT_SUBPROTOCOLS: readonly string[] = ['mqtt', 'mqttv3.1'];

/** TLS settings for wss://. */
export interface WebSocketTlsOptions extends TlsMaterialOptions {
  /** Client certificates: `none` (default), `optional`, `required`. */
  readonly clientCertificates?: ClientCertificateMode;
}

/** Options of a WebSocket listener. */
export interface WebSocketListenerOptions extends ConnectionLimits {
  /** Listener id; default `ws` or `wss`. */
  readonly id?: string;
  /** Address to bind; default `127.0.0.1`. Ignored with `server`. */
  readonly host?: string;
  /** Port to bind (0 picks a free one); required unless `server` is given. */
  readonly port?: number;
  /** Listen backlog; default node's. */
  readonly backlog?: number;
  /** URL path that accepts upgrades; default `/mqtt`. */
  readonly path?: string;
  /** Serve wss:// with these certificates. Ignored with `server` (which brings its own TLS, if any). */
  readonly tls?: WebSocketTlsOptions;
  /** Largest WebSocket message accepted, in bytes; default 268435460 (the largest MQTT packet). */
  readonly maxPayload?: number;
  /** Attach to this HTTP(S) server instead of creating one; listen() and close() then neither bind nor unbind it. */
  readonly server?: HttpServer;
  /** Peers (addresses/CIDRs) whose X-Forwarded-For header is believed; default none (the header is ignored). */
  readonly trustedProxies?: readonly string[];
}

/** Largest MQTT packet: 1 type byte, 4 length bytes, 268435455 body bytes. */
const MAX_MQTT_PACKET = 268_435_460;

/** Picks the subprotocol to answer with: `mqtt` when offered, else `mqttv3.1` (our order, not the client's). */
function chooseSubprotocol(offered: Set<string>): string | false {
  for (const name of MQTT_SUBPROTOCOLS) if (offered.has(name)) return name;
  return false;
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuseUpgrade(socket: Socket, status: number, reason: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** Accepts MQTT over WebSocket (ws:// or wss://), with the `mqtt` / `mqttv3.1` subprotocols. */
export class WebSocketListener implements Listener {
  readonly id: string;
  readonly transport: 'ws' | 'wss';
  readonly #options: WebSocketListenerOptions;
  readonly #gate: ConnectionGate;
  readonly #path: string;
  readonly #trustedProxies: AddressMatcher | undefined;
  #server: HttpServer | undefined;
  #wss: WebSocketServer | undefined;
  #onUpgrade: ((req: IncomingMessage, socket: Socket, head: Buffer) => void) | undefined;

  constructor(options: WebSocketListenerOptions) {
    this.#options = options;
    this.transport = options.server !== undefined ? (options.server instanceof TlsServer ? 'wss' : 'ws') : options.tls !== undefined ? 'wss' : 'ws';
    this.id = options.id ?? this.transport;
    this.#gate = new ConnectionGate(options);
    this.#path = options.path ?? '/mqtt';
    this.#trustedProxies = options.trustedProxies === undefined ? undefined : createAddressMatcher(options.trustedProxies);
    if (options.server === undefined && options.port === undefined) throw new TypeError('a WebSocket listener needs a port or a server');
  }

  /** Creates (or attaches to) the HTTP server and hands each upgraded connection to `onConnection` as a byte stream. */
  async listen(onConnection: ConnectionHandler): Promise<void> {
    if (this.#wss !== undefined) throw new Error(`listener ${this.id} is already listening`);
    const options = this.#options;
    const owned = options.server === undefined;
    const mode = options.tls?.clientCertificates ?? 'none';
    let server: HttpServer;
    if (!owned && options.server !== undefined) {
      server = options.server;
    } else if (options.tls !== undefined) {
      const material = await loadTlsMaterial(options.tls, this.id);
      server = createHttpsServer({ ...material, requestCert: mode !== 'none', rejectUnauthorized: mode === 'required' });
    } else {
      server = createHttpServer();
    }
    if (owned) {
      server.on('request', (_req, res) => {
        res.writeHead(426, { Connection: 'close', Upgrade: 'websocket' }).end();
      });
    }
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload ?? MAX_MQTT_PACKET,
      clientTracking: false,
      perMessageDeflate: false,
      handleProtocols: chooseSubprotocol,
    });
    const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      if ((query === -1 ? url : url.slice(0, query)) !== this.#path) {
        // On a shared server other handlers may own other paths.
        if (owned) refuseUpgrade(socket, 404, 'Not Found');
        return;
      }
      const meta = this.#meta(req, socket, mode);
      const refusal = this.#gate.check(meta.remoteAddress);
      if (refusal !== undefined) {
        if (refusal === 'addressRate') refuseUpgrade(socket, 429, 'Too Many Requests');
        else refuseUpgrade(socket, 503, 'Service Unavailable');
        return;
      }
      this.#gate.track(socket);
      const offered = req.headers['sec-websocket-protocol'];
      if (offered !== undefined) {
        const names = new Set(offered.split(',').map((s) => s.trim()));
        if (chooseSubprotocol(names) === false) {
          refuseUpgrade(socket, 400, 'Bad Request');
          return;
        }
      }
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        socket.setNoDelay(true);
        this.#gate.accepted();
        onConnection(new WebSocketDuplex(ws), meta);
      });
    };
    server.on('upgrade', onUpgrade);
    this.#server = server;
    this.#wss = wss;
    this.#onUpgrade = onUpgrade;
    if (owned) await bindServer(server, { host: options.host ?? '127.0.0.1', port: options.port ?? 0, backlog: options.backlog });
  }

  /** Meta from the upgrade request: the socket's peer, or the X-Forwarded-For client when the peer is a trusted proxy. */
  #meta(req: IncomingMessage, socket: Socket, mode: ClientCertificateMode): ConnectionMeta {
    let remoteAddress = socket.remoteAddress ?? '';
    let remotePort = socket.remotePort ?? 0;
    const trusted = this.#trustedProxies;
    const forwarded = req.headers['x-forwarded-for'];
    if (trusted !== undefined && typeof forwarded === 'string' && trusted(remoteAddress)) {
      // Walk right to left past our own proxies; the first address they did not add is the client's.
      const hops = forwarded.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      let client: string | undefined;
      for (let i = hops.length - 1; i >= 0; i--) {
        client = hops[i];
        if (client !== undefined && !trusted(client)) break;
      }
      if (client !== undefined) {
        remoteAddress = client;
        remotePort = 0;
      }
    }
    const meta: ConnectionMeta = {
      listenerId: this.id,
      transport: this.transport,
      remoteAddress,
      remotePort,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
    };
    if (mode !== 'none' && socket instanceof TLSSocket) return { ...meta, certificate: readPeerCertificate(socket) };
    return meta;
  }

  /** Re-reads wss:// certificate files and swaps the context for new handshakes; rejects and keeps the old one on a bad file. */
  async reloadCertificates(): Promise<void> {
    const server = this.#server;
    if (this.#options.tls === undefined || !(server instanceof TlsServer)) throw new Error(`listener ${this.id} has no TLS of its own`);
    const material = await loadTlsMaterial(this.#options.tls, this.id);
    server.setSecureContext(material);
  }

  /** Stops accepting upgrades (and unbinds the server it created); open WebSocket streams stay with the broker. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    if (this.#onUpgrade !== undefined) server.removeListener('upgrade', this.#onUpgrade);
    this.#onUpgrade = undefined;
    if (this.#options.server === undefined) {
      await unbindServer(server);
      // Idle keep-alive HTTP sockets would otherwise hold the process open.
      server.closeIdleConnections();
    }
  }

  /** The bound `{ host, port }` of the server (own or attached), or undefined before it listens. */
  address(): ListenerAddress | undefined {
    return this.#server === undefined ? undefined : serverAddress(this.#server);
  }

  /** Accepted, refused and open connection counts (upgrade requests on this path only). */
  stats(): ListenerStats {
    return this.#gate.stats();
  }
}
