// Opens the byte stream to a remote broker from its URL: mqtt:// (TCP), mqtts:// (TLS), ws:// and wss:// (WebSocket).
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { WebSocketDuplex } from '../listeners/websocket-duplex.js';
import { TLS_CIPHERS, TLS_MIN_VERSION } from '../listeners/tls-material.js';

/** TLS material for mqtts:// and wss:// (PEM contents, not paths). */
export interface BridgeTlsOptions {
  /** CA certificates that sign the remote's certificate; default Node's bundled roots. */
  readonly ca?: string | Buffer | undefined;
  /** Client certificate and key, when the remote asks for one. */
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
  /** Verify the remote's certificate and host name; default true. */
  readonly rejectUnauthorized?: boolean | undefined;
  /** Server name for SNI and verification; default the URL's host. */
  readonly servername?: string | undefined;
}

/** The URL schemes a bridge connects with, and their default ports. */
export const BRIDGE_SCHEMES: Readonly<Record<string, number>> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 };

/** Opens a stream to `url`; resolves once connected (TLS: handshake done; WebSocket: upgrade done). */
export function openTransport(url: URL, tls: BridgeTlsOptions | undefined, timeoutMs: number): Promise<Duplex> {
  const defaultPort = BRIDGE_SCHEMES[url.protocol];
  if (defaultPort === undefined) return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? defaultPort : Number(url.port);
  const secure = url.protocol === 'mqtts:' || url.protocol === 'wss:';
  const tlsOptions = secure
    ? {
        ca: tls?.ca,
        cert: tls?.cert,
        key: tls?.key,
        rejectUnauthorized: tls?.rejectUnauthorized ?? true,
        servername: tls?.servername ?? (isIp(host) ? undefined : host),
        minVersion: TLS_MIN_VERSION,
        ciphers: TLS_CIPHERS,
      } as const
    : undefined;
  return new Promise<Duplex>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, stream?: Duplex): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err !== null) reject(err);
      else resolve(stream!);
    };
    const timer = setTimeout(() => {
      finish(new Error(`connect timeout after ${timeoutMs} ms`));
      opened?.destroy();
    }, timeoutMs);
    let opened: { destroy(): void } | undefined;
    if (url.protocol === 'ws:' || url.protocol === 'wss:') {
      const ws = new WebSocket(url, ['mqtt'], { ...tlsOptions, handshakeTimeout: timeoutMs });
      opened = { destroy: () => ws.terminate() };
      ws.once('open', () => finish(null, new WebSocketDuplex(ws)));
      ws.once('error', (err: Error) => finish(err));
      ws.once('unexpected-response', (_req, res) => {
        finish(new Error(`WebSocket upgrade refused with HTTP ${res.statusCode ?? 0}`));
        ws.terminate();
      });
      return;
    }
    const socket = secure ? tlsConnect({ host, port, ...tlsOptions }) : netConnect({ host, port });
    opened = socket;
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      finish(null, socket);
    });
    socket.once('error', (err: Error) => {
      finish(err);
      socket.destroy();
    });
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
