// The Listener seam: anything that accepts byte streams and hands them to the broker.
import type { Duplex } from 'node:stream';

/** What the broker knows about where a connection came from. */
export interface ConnectionMeta {
  /** The listener's id (unique within a broker). */
  readonly listenerId: string;
  /** Transport kind, e.g. `tcp`, `tls`, `ws`, `wss`, `unix`, `stream`. */
  readonly transport: string;
  /** Remote address as the client sees itself (after PROXY protocol, when trusted); '' when unknown. */
  readonly remoteAddress: string;
  /** Remote port, 0 when unknown. */
  readonly remotePort: number;
  /** Local address the connection arrived on; '' when unknown. */
  readonly localAddress: string;
  /** Local port, 0 when unknown. */
  readonly localPort: number;
  /** Peer certificate identity for TLS with client certificates; undefined otherwise. */
  readonly certificate?: PeerCertificateIdentity | undefined;
}

/** The identity taken from a verified TLS client certificate. */
export interface PeerCertificateIdentity {
  /** Subject distinguished name, e.g. `CN=device-1,O=Acme`. */
  readonly subject: string;
  /** Subject common name, '' when absent. */
  readonly commonName: string;
  /** Subject alternative names as in node's `subjectaltname`, split: `DNS:x`, `URI:y`, `IP Address:z`, ... */
  readonly subjectAltNames: readonly string[];
  /** SHA-256 fingerprint, colon separated hex. */
  readonly fingerprint256: string;
  /** True when the chain verified against the configured CA. */
  readonly authorized: boolean;
}

/** Called by a listener for each accepted stream. */
export type ConnectionHandler = (stream: Duplex, meta: ConnectionMeta) => void;

/** A source of client connections: TCP, TLS, WebSocket, Unix socket, or streams handed in by the program. */
export interface Listener {
  /** Unique id within a broker, used in logs, metrics and ConnectionMeta. */
  readonly id: string;
  /** Transport kind, e.g. `tcp`. */
  readonly transport: string;
  /** Starts accepting; resolves once bound. Each accepted stream goes to `onConnection`. */
  listen(onConnection: ConnectionHandler): Promise<void>;
  /** Stops accepting new connections and releases the socket; existing streams are left to the broker. */
  close(): Promise<void>;
  /** Where the listener is bound, e.g. `{ host: '127.0.0.1', port: 40123 }` or `{ path }`; undefined before listen(). */
  address(): ListenerAddress | undefined;
  /** Accepted, refused and open connection counts; optional for listeners written elsewhere. */
  stats?(): ListenerStats;
}

/** A bound address: host and port for network listeners, a path for Unix sockets. */
export type ListenerAddress = { readonly host: string; readonly port: number } | { readonly path: string };

/** Counters of one listener: accepted and refused connections, and the ones still open. */
export interface ListenerStats {
  /** Connections handed to the broker since listen(). */
  readonly accepted: number;
  /** Connections closed at accept, by cause. */
  readonly refused: {
    /** Refused because `maxConnections` were already open. */
    readonly maxConnections: number;
    /** Refused by the `connectionRate` token bucket. */
    readonly rate: number;
    /** Refused by the `connectionRatePerAddress` token bucket of the peer's address. */
    readonly addressRate: number;
    /** Closed because a trusted peer's PROXY header was missing, malformed, oversized or late. */
    readonly proxy: number;
  };
  /** Accepted connections not yet closed. */
  readonly open: number;
}

/** A connection-rate limit: a token bucket refilled at `perSecond`, holding at most `burst` tokens. */
export interface ConnectionRate {
  /** Tokens added per second (connections per second in steady state). */
  readonly perSecond: number;
  /** Bucket size, the most connections accepted at once; default `perSecond`. */
  readonly burst?: number;
}
