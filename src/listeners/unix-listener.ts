// Unix domain socket listener: removes a stale socket file before binding and after closing.
import { createServer, type Server, type Socket } from 'node:net';
import { lstat, unlink } from 'node:fs/promises';
import { ConnectionGate, type ConnectionLimits } from './connection-gate.js';
import type { ConnectionHandler, Listener, ListenerAddress, ListenerStats } from './listener.js';
import { bindServer, unbindServer } from './net-server.js';

/** Options of a Unix socket listener. */
export interface UnixListenerOptions extends ConnectionLimits {
  /** Listener id; default `unix`. */
  readonly id?: string;
  /** Filesystem path of the socket. */
  readonly path: string;
  /** Listen backlog; default node's. */
  readonly backlog?: number;
}

/** Removes `path` if it is a socket (a leftover of a crashed broker); refuses to touch any other kind of file. */
async function removeStaleSocket(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isSocket()) throw new Error(`${path} exists and is not a socket; not removing it`);
  await unlink(path);
}

/** Accepts MQTT over a Unix domain socket. */
export class UnixListener implements Listener {
  readonly id: string;
  readonly transport = 'unix';
  readonly #options: UnixListenerOptions;
  readonly #gate: ConnectionGate;
  #server: Server | undefined;

  constructor(options: UnixListenerOptions) {
    this.id = options.id ?? 'unix';
    this.#options = options;
    this.#gate = new ConnectionGate(options);
  }

  /** Removes a stale socket file, binds the path and hands each socket to `onConnection`. */
  async listen(onConnection: ConnectionHandler): Promise<void> {
    if (this.#server !== undefined) throw new Error(`listener ${this.id} is already listening`);
    const path = this.#options.path;
    await removeStaleSocket(path);
    const server = createServer();
    server.on('connection', (socket: Socket) => {
      if (this.#gate.check() !== undefined) {
        socket.destroy();
        return;
      }
      this.#gate.track(socket);
      this.#gate.accepted();
      onConnection(socket, { listenerId: this.id, transport: this.transport, remoteAddress: '', remotePort: 0, localAddress: path, localPort: 0 });
    });
    this.#server = server;
    await bindServer(server, { path, backlog: this.#options.backlog });
  }

  /** Stops accepting and removes the socket file; handed-over sockets stay open. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined || !server.listening) return;
    await unbindServer(server);
    await removeStaleSocket(this.#options.path).catch(() => undefined);
  }

  /** `{ path }` once listening, undefined before. */
  address(): ListenerAddress | undefined {
    return this.#server?.listening === true ? { path: this.#options.path } : undefined;
  }

  /** Accepted, refused and open connection counts. */
  stats(): ListenerStats {
    return this.#gate.stats();
  }
}
