// A connection storm against a running broker: many TCP connects as fast as this process can make them, a share of
// them abandoned mid-handshake (TCP open and silent, a partial CONNECT, or a CONNECT whose answer is never read),
// the rest completing CONNECT/CONNACK and leaving. Each connection's fate is recorded from the client side.
// Glossary: "source" = the local loopback address a connection comes from (127.0.0.x), to exercise per-address limits.
import net from 'node:net';
import { encodePacket } from '../../src/codec/encode.js';
import type { ProtocolVersion } from '../../src/codec/types.js';
import { connectPacket } from '../helpers/packets.js';
import { Prng } from './prng.js';

/** How a storm connection behaves. */
export type StormKind = 'complete' | 'silent' | 'partial' | 'no-read';

/** What a storm does. */
export interface StormOptions {
  readonly port: number;
  /** Connections to attempt in total. */
  readonly connections: number;
  /** Connections being opened at the same time (the abandoned ones do not hold a slot once their bytes are out). */
  readonly concurrency: number;
  /** Share of connections abandoned mid-handshake, 0..1. */
  readonly abandonRatio: number;
  readonly seed: number;
  /** Local addresses to connect from, round robin; default ['127.0.0.1']. */
  readonly sources?: readonly string[];
  /** Keep alive of the CONNECT sent by `no-read` connections, seconds (the broker closes them after 1.5×). */
  readonly keepAlive?: number;
  /** Abandoned connections still open this long after the last connect are destroyed by the storm, ms. */
  readonly holdMs?: number;
  /**
   * Asks the broker whether it has let go of every storm connection (e.g. its open-connections gauge is back to the
   * clients that were there before). A client that stopped reading cannot see the broker's FIN, so without this the
   * `no-read` connections the broker closed look open. Polled every 250 ms after the connect phase.
   */
  readonly released?: () => Promise<boolean>;
}

/** The fate of each kind of connection. */
export interface KindOutcome {
  attempted: number;
  /** TCP connect failed (refused, reset, out of ports). */
  connectFailed: number;
  /** CONNACK with reason 0 (complete and no-read only). */
  connackOk: number;
  /** CONNACK with a failure code, by code (e.g. 0x89 / 3.1.1 return code 3 when the broker is full). */
  connackRefused: Record<string, number>;
  /** Closed by the broker (before the storm destroyed it). */
  closedByBroker: number;
  /** Still open when the storm gave up on it. */
  leftOpen: number;
  /**
   * The longest time one of these connections stayed open, ms, from the client's connect to its close. It includes the
   * time the connection waited in the kernel's accept queue, before the broker could see it (and start its timers).
   */
  maxOpenMs: number;
}

/** What the storm did. */
export interface StormReport {
  byKind: Record<StormKind, KindOutcome>;
  /** Connections admitted per source address: TCP established and answered or kept (not closed at once). */
  connackOkBySource: Record<string, number>;
  /** Time from the first connect to the last connect attempt settling, ms. */
  connectPhaseMs: number;
  /** Time from the end of the connect phase until `released` answered true, ms; undefined when it never did. */
  releasedAfterMs: number | undefined;
  /** TCP connects completed per second during the connect phase. */
  connectsPerSecond: number;
  elapsedMs: number;
}

const KINDS: readonly StormKind[] = ['complete', 'silent', 'partial', 'no-read'];

function emptyOutcome(): KindOutcome {
  return { attempted: 0, connectFailed: 0, connackOk: 0, connackRefused: {}, closedByBroker: 0, leftOpen: 0, maxOpenMs: 0 };
}

/** Runs the storm; resolves when every connection is closed (by the broker, or by the storm after `holdMs`). */
export async function connectionStorm(o: StormOptions, onProgress?: (done: number) => void): Promise<StormReport> {
  const rng = new Prng(o.seed);
  const sources = o.sources ?? ['127.0.0.1'];
  const holdMs = o.holdMs ?? 20_000;
  const byKind = Object.fromEntries(KINDS.map((k) => [k, emptyOutcome()])) as Record<StormKind, KindOutcome>;
  const connackOkBySource: Record<string, number> = {};
  // Open sockets, each with the function that marks its close as the storm's own (true) or the broker's (false).
  const open = new Map<net.Socket, (ours: boolean) => void>();
  let brokerReleased = false;
  const closings: Promise<void>[] = [];
  let tcpConnected = 0;
  const start = Date.now();
  let next = 0;

  // Opens one connection; resolves once its handshake bytes are out (or it failed), not when it closes.
  const one = (n: number): Promise<void> =>
    new Promise((settled) => {
      const r = rng.next();
      const kind: StormKind = r >= o.abandonRatio ? 'complete' : KINDS[1 + Math.floor((r / o.abandonRatio) * 3)]!;
      const version = rng.pick([3, 4, 5] as const satisfies readonly ProtocolVersion[]);
      const source = sources[n % sources.length]!;
      const out = byKind[kind];
      out.attempted++;
      const connect = encodePacket(connectPacket(`storm-${n}`, version, { keepAlive: kind === 'no-read' ? (o.keepAlive ?? 5) : 60 }), version);
      const socket = net.connect({ host: '127.0.0.1', port: o.port, localAddress: source });
      let connectedAt = 0;
      let ourClose = false;
      let isSettled = false;
      const settle = (): void => {
        if (!isSettled) {
          isSettled = true;
          settled();
        }
      };
      open.set(socket, (ours) => {
        ourClose = ours;
        if (!ours) connectedAt = -connectedAt; // the broker closed it earlier; its close time is unknown here
      });
      socket.on('error', () => undefined);
      closings.push(
        new Promise((closed) =>
          socket.once('close', () => {
            open.delete(socket);
            if (connectedAt === 0) out.connectFailed++;
            else {
              if (!ourClose) out.closedByBroker++;
              else if (kind !== 'complete') out.leftOpen++;
              if (!ourClose && connectedAt > 0) out.maxOpenMs = Math.max(out.maxOpenMs, Date.now() - connectedAt);
            }
            settle();
            closed();
          }),
        ),
      );
      socket.once('connect', () => {
        connectedAt = Date.now();
        tcpConnected++;
        socket.setNoDelay(true);
        switch (kind) {
          case 'silent':
            socket.resume(); // reads nothing, but sees the broker's FIN at once
            settle();
            return;
          case 'partial':
            socket.write(connect.subarray(0, rng.int(1, connect.length - 1)));
            socket.resume();
            settle();
            return;
          case 'no-read':
          case 'complete': {
            socket.write(connect);
            // A no-read client reads exactly one CONNACK (4 bytes for 3.x; at least 5 for 5.0 with properties) only to
            // count it, then stops reading for good.
            let head = Buffer.alloc(0);
            const onData = (d: Buffer): void => {
              head = Buffer.concat([head, d]);
              if (head.length < 4) return;
              socket.removeListener('data', onData);
              const code = head[3]!;
              if (head[0] === 0x20 && code === 0) {
                out.connackOk++;
                connackOkBySource[source] = (connackOkBySource[source] ?? 0) + 1;
              } else {
                const key = `0x${code.toString(16).padStart(2, '0')}`;
                out.connackRefused[key] = (out.connackRefused[key] ?? 0) + 1;
              }
              if (kind === 'complete') {
                ourClose = true;
                socket.end(encodePacket({ type: 14, reasonCode: 0, properties: {} }, version));
              } else socket.pause();
              settle();
            };
            socket.on('data', onData);
            return;
          }
        }
      });
    });

  const worker = async (): Promise<void> => {
    while (next < o.connections) {
      const n = next++;
      await one(n);
      if (onProgress !== undefined && n % 1000 === 999) onProgress(n + 1);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, () => worker()));
  const connectPhaseMs = Date.now() - start;
  // Abandoned connections are the broker's to close now; the ones it keeps past `holdMs` are counted as left open.
  const phaseEnd = Date.now();
  let releasedAfterMs: number | undefined;
  const allClosed = Promise.all(closings);
  while (open.size > 0 && Date.now() - phaseEnd < holdMs) {
    if (o.released !== undefined && (await o.released())) {
      releasedAfterMs = Date.now() - phaseEnd;
      brokerReleased = true;
      break;
    }
    await Promise.race([allClosed, new Promise((r) => setTimeout(r, 250))]);
  }
  for (const [s, mark] of open) {
    mark(!brokerReleased);
    s.destroy();
  }
  await allClosed;
  return { byKind, connackOkBySource, connectPhaseMs, releasedAfterMs, connectsPerSecond: Math.round((tcpConnected / connectPhaseMs) * 1000), elapsedMs: Date.now() - start };
}
