// Builds a running server from a validated configuration: broker, hooks, listeners and the HTTP server.
import type { Logger } from 'pino';
import { Broker } from '../broker.js';
import type { AuthLedger } from '../hooks/auth-ledger.js';
import { DebugHook } from '../hooks/debug.js';
import { RateLimit } from '../hooks/rate-limit.js';
import { ScramSha256 } from '../hooks/scram-sha256.js';
import type { Listener, ListenerAddress } from '../listeners/listener.js';
import { TcpListener } from '../listeners/tcp-listener.js';
import { TlsListener } from '../listeners/tls-listener.js';
import type { BrokerOptions } from '../options.js';
import { createAuthLedger } from './auth-setup.js';
import { DEFAULT_HOST, DEFAULT_PORTS } from './config-types.js';
import type { HttpConfig, ListenerConfig, SwiftletConfig } from './config-types.js';

/** The part of the HTTP server (src/http/http-server.ts) the CLI uses. */
export interface HttpServerHandle {
  listen(): Promise<void>;
  close(): Promise<void>;
  address(): { host?: string; address?: string; port: number } | string | null | undefined;
}

type HttpServerClass = new (broker: Broker, options: { host?: string; port: number; token?: string; logger?: Logger }) => HttpServerHandle;
type ListenerFactory = (config: Record<string, unknown>) => Listener;

/** Something bound: an MQTT listener or the HTTP server, and where. */
export interface BoundAddress {
  readonly kind: 'MQTT' | 'HTTP';
  readonly id: string;
  /** `host:port`, or the socket path. */
  readonly where: string;
}

/** What a reload did: the ledger file re-read (undefined without one), and each TLS listener's certificates. */
export interface ReloadResult {
  ledger: boolean | undefined;
  certificates: { id: string; ok: boolean; error?: string }[];
}

/** Loads a module that may not exist yet; undefined when it is missing. The path is a variable so tsc does not resolve it. */
async function optionalImport(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Only the module itself being absent counts as "not available"; a broken dependency inside it must surface.
    const name = specifier.slice(specifier.lastIndexOf('/') + 1, -3);
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((err as Error).message).includes(name)) return undefined;
    throw err;
  }
}

function formatAddress(address: ListenerAddress | undefined): string {
  if (address === undefined) return '?';
  if ('path' in address) return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function formatHttpAddress(address: ReturnType<HttpServerHandle['address']>, fallbackHost: string): string {
  if (address === null || address === undefined) return '?';
  if (typeof address === 'string') return address;
  const host = address.host ?? address.address ?? fallbackHost;
  return host.includes(':') ? `[${host}]:${address.port}` : `${host}:${address.port}`;
}

/** Options of a network listener built from the config (shared by tcp and tls). */
function netOptions(l: ListenerConfig): { id: string; host: string; port: number } & Record<string, unknown> {
  const out: { id: string; host: string; port: number } & Record<string, unknown> = {
    id: l.id,
    host: l.host ?? DEFAULT_HOST,
    port: l.port ?? (l.type === 'unix' ? 0 : DEFAULT_PORTS[l.type]),
  };
  for (const key of ['backlog', 'maxConnections', 'connectionRate', 'proxyProtocol'] as const) {
    if (l[key] !== undefined) out[key] = l[key];
  }
  return out;
}

function tlsOptions(l: ListenerConfig, onError: (err: Error) => void): Record<string, unknown> {
  const out: Record<string, unknown> = { onError };
  for (const key of ['certFile', 'keyFile', 'caFile', 'passphrase', 'clientCertificates', 'handshakeTimeoutMs', 'watch'] as const) {
    if (l[key] !== undefined) out[key] = l[key];
  }
  return out;
}

/** Creates one listener; ws, wss and unix need the listener factory (src/listeners/create-listener.ts). */
export async function createConfiguredListener(l: ListenerConfig, logger: Logger): Promise<Listener> {
  const onError = (err: Error): void => logger.error({ listener: l.id, err }, `certificate reload failed: ${err.message}`);
  switch (l.type) {
    case 'tcp':
      return new TcpListener(netOptions(l));
    case 'tls':
      return new TlsListener({ ...netOptions(l), ...tlsOptions(l, onError) });
    case 'ws':
    case 'wss':
    case 'unix': {
      const mod = await optionalImport('../listeners/create-listener.js');
      const factory = mod?.createListener as ListenerFactory | undefined;
      if (typeof factory !== 'function') throw new Error(`listener ${l.id}: ${l.type} listeners are not available in this build`);
      const base = l.type === 'unix' ? { id: l.id, path: l.path } : { ...netOptions(l), path: l.path };
      return factory({ type: l.type, ...base, ...(l.type === 'wss' ? tlsOptions(l, onError) : {}), ...(l.type === 'unix' && l.maxConnections !== undefined ? { maxConnections: l.maxConnections } : {}) });
    }
  }
}

/** A configured broker with its listeners, hooks and optional HTTP server. */
export class SwiftletServer {
  readonly broker: Broker;
  readonly ledger: AuthLedger;
  readonly logger: Logger;
  readonly #config: SwiftletConfig;
  readonly #listeners: Listener[];
  readonly #http: HttpServerHandle | undefined;

  private constructor(config: SwiftletConfig, logger: Logger, broker: Broker, ledger: AuthLedger, listeners: Listener[], http: HttpServerHandle | undefined) {
    this.#config = config;
    this.logger = logger;
    this.broker = broker;
    this.ledger = ledger;
    this.#listeners = listeners;
    this.#http = http;
  }

  /** Builds everything (nothing is bound yet); throws when a part cannot be created. */
  static async create(config: SwiftletConfig, logger: Logger): Promise<SwiftletServer> {
    const options: BrokerOptions = {
      capabilities: config.capabilities,
      compatibilities: config.compatibilities,
      logger,
      sysInterval: config.sys.interval,
    };
    if (config.id !== undefined) options.id = config.id;
    if (config.sharedSubscriptionStrategy !== undefined) options.sharedSubscriptionStrategy = config.sharedSubscriptionStrategy;
    if (config.responseInformationPrefix !== undefined) options.responseInformationPrefix = config.responseInformationPrefix;
    const broker = new Broker(options);
    const ledger = createAuthLedger(config.auth, logger);
    if (config.debug !== undefined) await broker.addHook(new DebugHook({ previewBytes: config.debug.previewBytes }));
    if (config.rateLimit !== undefined) await broker.addHook(new RateLimit(config.rateLimit));
    if (config.auth.scram) await broker.addHook(new ScramSha256({ credentials: ledger }));
    await broker.addHook(ledger);
    const listeners: Listener[] = [];
    for (const l of config.listeners) {
      const listener = await createConfiguredListener(l, logger);
      listeners.push(listener);
      await broker.addListener(listener);
    }
    const http = config.http === undefined ? undefined : await SwiftletServer.#createHttp(broker, config.http, logger);
    return new SwiftletServer(config, logger, broker, ledger, listeners, http);
  }

  static async #createHttp(broker: Broker, http: HttpConfig, logger: Logger): Promise<HttpServerHandle> {
    const mod = await optionalImport('../http/http-server.js');
    const HttpServer = mod?.HttpServer as HttpServerClass | undefined;
    if (typeof HttpServer !== 'function') throw new Error('http not available: this build has no HTTP server (src/http/http-server.ts); remove the http section');
    const options: { host: string; port: number; token?: string; logger: Logger } = { host: http.host, port: http.port, logger };
    if (http.token !== undefined) options.token = http.token;
    return new HttpServer(broker, options);
  }

  /** Starts the broker (hooks, listeners) and the HTTP server; on failure everything started is stopped again. */
  async start(): Promise<BoundAddress[]> {
    await this.broker.serve();
    if (this.#http !== undefined) {
      try {
        await this.#http.listen();
      } catch (err) {
        await this.broker.close();
        throw err;
      }
    }
    return this.addresses();
  }

  /** Where each MQTT listener and the HTTP server are bound (real ports for port 0). */
  addresses(): BoundAddress[] {
    const out: BoundAddress[] = this.#listeners.map((l) => ({ kind: 'MQTT' as const, id: l.id, where: formatAddress(l.address()) }));
    if (this.#http !== undefined) out.push({ kind: 'HTTP', id: 'http', where: formatHttpAddress(this.#http.address(), this.#config.http?.host ?? DEFAULT_HOST) });
    return out;
  }

  /** Re-reads the ledger file and the TLS certificates; open connections are untouched. */
  async reload(): Promise<ReloadResult> {
    const ledger = this.#config.auth.ledgerFile === undefined ? undefined : await this.ledger.reload();
    const certificates: ReloadResult['certificates'] = [];
    for (const l of this.#listeners) {
      const reloadable = l as Listener & { reloadCertificates?: () => Promise<void> };
      if (typeof reloadable.reloadCertificates !== 'function') continue;
      try {
        await reloadable.reloadCertificates();
        certificates.push({ id: l.id, ok: true });
      } catch (err) {
        certificates.push({ id: l.id, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return { ledger, certificates };
  }

  /** Stops gracefully: HTTP server, then the broker (listeners, DISCONNECT 0x8B to 5.0 clients, flush, hooks). */
  async close(): Promise<void> {
    if (this.#http !== undefined) {
      try {
        await this.#http.close();
      } catch (err) {
        this.logger.warn({ err }, 'HTTP server close failed');
      }
    }
    await this.broker.close();
  }
}
