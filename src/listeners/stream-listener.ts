// A listener for streams the embedding program hands in (in-memory pairs, custom transports).
import type { Duplex } from 'node:stream';
import type { ConnectionHandler, ConnectionMeta, Listener, ListenerAddress, ListenerStats } from './listener.js';

/** Options of a stream listener. */
export interface StreamListenerOptions {
  /** Listener id; default `stream`. */
  readonly id?: string;
}

/** Passes streams given to accept() to the broker, as if they had arrived on a socket. */
export class StreamListener implements Listener {
  readonly id: string;
  readonly transport = 'stream';
  #onConnection: ConnectionHandler | undefined;
  #accepted = 0;
  #open = 0;

  constructor(options: StreamListenerOptions = {}) {
    this.id = options.id ?? 'stream';
  }

  /** Starts passing accepted streams to `onConnection`. */
  listen(onConnection: ConnectionHandler): Promise<void> {
    this.#onConnection = onConnection;
    return Promise.resolve();
  }

  /** Hands `stream` to the broker with optional meta (addresses default to unknown); throws when not listening. */
  accept(stream: Duplex, meta: Partial<ConnectionMeta> = {}): void {
    const onConnection = this.#onConnection;
    if (onConnection === undefined) throw new Error(`listener ${this.id} is not listening`);
    this.#accepted++;
    this.#open++;
    stream.once('close', () => {
      this.#open--;
    });
    onConnection(stream, {
      remoteAddress: '',
      remotePort: 0,
      localAddress: '',
      localPort: 0,
      ...meta,
      listenerId: this.id,
      transport: meta.transport ?? this.transport,
    });
  }

  /** Stops accepting: later accept() calls throw. */
  close(): Promise<void> {
    this.#onConnection = undefined;
    return Promise.resolve();
  }

  /** Stream listeners have no address. */
  address(): ListenerAddress | undefined {
    return undefined;
  }

  /** Accepted and open stream counts (nothing is ever refused). */
  stats(): ListenerStats {
    return { accepted: this.#accepted, refused: { maxConnections: 0, rate: 0, addressRate: 0, proxy: 0 }, open: this.#open };
  }
}
