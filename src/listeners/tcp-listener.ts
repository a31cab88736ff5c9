// Plain TCP listener: hands each accepted net.Socket to the broker as is.
import { createServer, type Server, type Socket } from 'node:net';
import type { ConnectionLimits } from './connection-gate.js';
import type { ConnectionHandler, Listener, ListenerAddress, ListenerStats } from './listener.js';
import { bindServer, fixedLocalEnd, serverAddress, socketMeta, unbindServer } from './net-server.js';
import { SocketAcceptor, type ProxyProtocolOptions } from './socket-acceptor.js';

/** Options of a TCP listener. */
export interface TcpListenerOptions extends ConnectionLimits {
  /** Listener id; default `tcp`. */
  readonly id?: string;
  /** Address to bind; default `127.0.0.1` (local only, secure by default). */
  readonly host?: string;
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Listen backlog; default node's (511). */
  readonly backlog?: number;
  /** Enables PROXY protocol for trusted peers. Default: off. */
  readonly proxyProtocol?: ProxyProtocolOptions;
}

/** Accepts MQTT over plain TCP. */
export class TcpListener implements Listener {
  readonly id: string;
  readonly transport = 'tcp';
  readonly #options: TcpListenerOptions;
  readonly #acceptor: SocketAcceptor;
  #server: Server | undefined;
  /** The local end all connections share when bound to one address (set once listening). */
  #local: { readonly host: string; readonly port: number } | undefined;

  constructor(options: TcpListenerOptions) {
    this.id = options.id ?? 'tcp';
    this.#options = options;
    this.#acceptor = new SocketAcceptor(options, options.proxyProtocol);
  }

  /** Binds the port and starts handing sockets to `onConnection`. */
  async listen(onConnection: ConnectionHandler): Promise<void> {
    if (this.#server !== undefined) throw new Error(`listener ${this.id} is already listening`);
    const server = createServer({ noDelay: true });
    server.on('connection', (socket: Socket) => {
      this.#acceptor.accept(socket, (accepted, proxied) => {
        // MQTT packets are small and latency-bound: no Nagle delay.
        accepted.setNoDelay(true);
        this.#acceptor.gate.accepted();
        onConnection(accepted, socketMeta(this.id, this.transport, accepted, proxied, this.#local));
      });
    });
    this.#server = server;
    await bindServer(server, { host: this.#options.host ?? '127.0.0.1', port: this.#options.port, backlog: this.#options.backlog });
    this.#local = fixedLocalEnd(server);
  }

  /** Stops accepting; already handed-over sockets stay open. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    await unbindServer(server);
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
