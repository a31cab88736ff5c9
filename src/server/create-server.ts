// Builds a running server from a validated configuration: broker, hooks, listeners and the HTTP server.
import type { Logger } from 'pino';
import { Broker } from '../broker.js';
import type { AuthLedger } from '../hooks/builtin/auth-ledger.js';
import { DebugHook } from '../hooks/builtin/debug.js';
import { RateLimit } from '../hooks/builtin/rate-limit.js';
import { ScramSha256 } from '../hooks/builtin/scram-sha256.js';
import type { Listener, ListenerAddress } from '../listeners/listener.js';
import { createListener } from '../listeners/create-listener.js';
import type { ListenerConfig as FactoryConfig } from '../listeners/create-listener.js';
import { HttpServer } from '../http/http-server.js';
import { LmdbPersistence } from '../persistence/lmdb-persistence.js';
import type { LmdbPersistenceOptions } from '../persistence/lmdb-persistence.js';
import type { HttpServerOptions } from '../http/http-server.js';
import type { BrokerOptions } from '../options.js';
import { createAuthLedger } from './auth-setup.js';
import { IntegrationHooks } from './integration-hooks.js';
import { DEFAULT_PORTS } from '../config/config-types.js';
import type { HttpConfig, ListenerConfig, SwiftletConfig } from '../config/config-types.js';
import { resolveBridgeOptions } from '../config/validate-bridges.js';

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

function formatAddress(address: ListenerAddress | undefined): string {
  if (address === undefined) return '?';
  if ('path' in address) return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Keys copied as they are from a listener entry to the listener's options (the validator allowed only valid ones per type). */
const PASS_THROUGH = [
  'host',
  'path',
  'backlog',
  'maxConnections',
  'connectionRate',
  'proxyProtocol',
  'maxPayload',
  'trustedProxies',
  'certFile',
  'keyFile',
  'caFile',
  'passphrase',
  'clientCertificates',
  'handshakeTimeoutMs',
  'watch',
] as const;

/** Creates one listener through the listeners' factory, with the default port of its type. */
export function createConfiguredListener(l: ListenerConfig, logger: Logger): Listener {
  const options: Record<string, unknown> = { type: l.type, id: l.id };
  if (l.type !== 'unix') options.port = l.port ?? DEFAULT_PORTS[l.type];
  for (const key of PASS_THROUGH) if (l[key] !== undefined) options[key] = l[key];
  if (l.type === 'tls') {
    options.onError = (err: Error): void => logger.error({ listener: l.id, err }, `certificate reload failed: ${err.message}`);
  }
  return createListener(options as unknown as FactoryConfig);
}

/** A configured broker with its listeners, hooks and optional HTTP server. */
export class SwiftletServer {
  readonly broker: Broker;
  readonly ledger: AuthLedger;
  readonly logger: Logger;
  /** The hooks of `hooks`, `auth.jwt`, `auth.http` and `webhooks`; `integrations.apply(config)` swaps them (reload). */
  readonly integrations: IntegrationHooks;
  readonly #config: SwiftletConfig;
  readonly #listeners: Listener[];
  readonly #http: HttpServer | undefined;

  private constructor(
    config: SwiftletConfig,
    logger: Logger,
    broker: Broker,
    ledger: AuthLedger,
    listeners: Listener[],
    http: HttpServer | undefined,
    integrations: IntegrationHooks,
  ) {
    this.integrations = integrations;
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
    if (config.cluster !== undefined) {
      options.cluster = { redis: config.cluster.redis, ...(config.cluster.prefix === undefined ? {} : { prefix: config.cluster.prefix }) };
      if (config.cluster.nodeId !== undefined) options.id = config.cluster.nodeId;
    }
    if (config.sharedSubscriptionStrategy !== undefined) options.sharedSubscriptionStrategy = config.sharedSubscriptionStrategy;
    if (config.responseInformationPrefix !== undefined) options.responseInformationPrefix = config.responseInformationPrefix;
    if (config.storage.pendingSaveInterval !== undefined) options.pendingSaveInterval = config.storage.pendingSaveInterval;
    const broker = new Broker(options);
    if (config.storage.type === 'lmdb' && config.storage.path !== undefined) {
      const lmdb: LmdbPersistenceOptions = { path: config.storage.path };
      if (config.storage.maxSizeMiB !== undefined) lmdb.mapSize = config.storage.maxSizeMiB * 1024 * 1024;
      broker.setPersistence(new LmdbPersistence(lmdb));
    }
    const ledger = createAuthLedger(config.auth, logger);
    if (config.debug !== undefined) await broker.addHook(new DebugHook({ previewBytes: config.debug.previewBytes }));
    if (config.rateLimit !== undefined) await broker.addHook(new RateLimit(config.rateLimit));
    if (config.auth.scram) await broker.addHook(new ScramSha256({ credentials: ledger }));
    await broker.addHook(ledger);
    // Integration hooks sit before the ledger: their answers come first, `ignore`/defer falls through to it.
    const integrations = new IntegrationHooks(broker, logger, ledger.id);
    await integrations.apply(config);
    const listeners: Listener[] = [];
    for (const [i, b] of (config.bridges ?? []).entries()) await broker.addBridge(resolveBridgeOptions(b, i));
    for (const l of config.listeners) {
      const listener = createConfiguredListener(l, logger);
      listeners.push(listener);
      await broker.addListener(listener);
    }
    const http = config.http === undefined ? undefined : SwiftletServer.#createHttp(broker, config.http, logger);
    return new SwiftletServer(config, logger, broker, ledger, listeners, http, integrations);
  }

  static #createHttp(broker: Broker, http: HttpConfig, logger: Logger): HttpServer {
    const options: HttpServerOptions = { host: http.host, port: http.port, logger };
    if (http.token !== undefined) options.token = http.token;
    if (http.metrics !== undefined) options.metrics = http.metrics;
    if (http.api !== undefined) options.api = http.api;
    if (http.maxBodyBytes !== undefined) options.maxBodyBytes = http.maxBodyBytes;
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
    if (this.#http !== undefined) out.push({ kind: 'HTTP', id: 'http', where: formatAddress(this.#http.address()) });
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
