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
import { RedisPersistence } from '../persistence/redis-persistence.js';
import type { RedisPersistenceOptions } from '../persistence/redis-persistence.js';
import type { Persistence } from '../persistence/persistence.js';
import type { StorageConfig } from '../config/config-types.js';
import type { HttpServerOptions } from '../http/http-server.js';
import type { BrokerOptions } from '../options.js';
import { createAuthLedger, resolveLedgerOptions } from './auth-setup.js';
import { effectiveConfig, planReload, withDefaults } from './reload.js';
import { DEFAULT_CAPABILITIES } from '../options.js';
import { LifecycleLog } from './lifecycle-log.js';
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

/** What a reload did. */
export interface ReloadResult {
  /** The ledger file was re-read (undefined without one; false when it was invalid and the old rules stay). */
  ledger: boolean | undefined;
  /** Each TLS / WSS listener's certificates. */
  certificates: { id: string; ok: boolean; error?: string }[];
  /** Configuration sections applied to the running broker (auth, rateLimit, capabilities.X, logging.level). */
  applied: string[];
  /** Configuration keys that changed but take effect only after a restart. */
  restart: string[];
  /** Changes that could not be applied, with why (the previous settings stay). */
  failed: { key: string; error: string }[];
  /** The new log level, for applyLogLevel() after the reload has been logged. */
  logLevel?: SwiftletConfig['logging']['level'];
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
  'connectionRatePerAddress',
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

/** True when a configuration has hook modules, webhooks or HTTP/JWT authentication. */
function usesIntegrations(c: SwiftletConfig): boolean {
  return (c.hooks?.length ?? 0) > 0 || (c.webhooks?.length ?? 0) > 0 || c.auth.http !== undefined || c.auth.jwt !== undefined;
}

/** A configured broker with its listeners, hooks and optional HTTP server. */
export class SwiftletServer {
  readonly broker: Broker;
  readonly ledger: AuthLedger;
  readonly logger: Logger;
  /** The hooks of `hooks`, `auth.jwt`, `auth.http` and `webhooks`; `integrations.apply(config)` swaps them (reload). */
  readonly integrations: IntegrationHooks;
  #config: SwiftletConfig;
  readonly #listeners: Listener[];
  readonly #http: HttpServer | undefined;
  #rateLimit: RateLimit | undefined;

  private constructor(
    config: SwiftletConfig,
    logger: Logger,
    broker: Broker,
    ledger: AuthLedger,
    listeners: Listener[],
    http: HttpServer | undefined,
    rateLimit: RateLimit | undefined,
    integrations: IntegrationHooks,
  ) {
    this.integrations = integrations;
    this.#config = config;
    this.#rateLimit = rateLimit;
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
    if (config.storage.maxSizeMiB !== undefined) options.maximumStoredBytes = config.storage.maxSizeMiB * 1024 * 1024;
    const broker = new Broker(options);
    const persistence = createPersistence(config.storage);
    if (persistence !== undefined) broker.setPersistence(persistence);
    const ledger = createAuthLedger(config.auth, logger);
    await broker.addHook(new LifecycleLog(logger));
    if (config.debug !== undefined) await broker.addHook(new DebugHook({ previewBytes: config.debug.previewBytes }));
    const rateLimit = config.rateLimit === undefined ? undefined : new RateLimit(config.rateLimit);
    if (rateLimit !== undefined) await broker.addHook(rateLimit);
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
    return new SwiftletServer(config, logger, broker, ledger, listeners, http, rateLimit, integrations);
  }

  static #createHttp(broker: Broker, http: HttpConfig, logger: Logger): HttpServer {
    const options: HttpServerOptions = { host: http.host, port: http.port, logger };
    if (http.token !== undefined) options.token = http.token;
    if (http.readOnlyToken !== undefined) options.readOnlyToken = http.readOnlyToken;
    if (http.dashboard !== undefined) options.dashboard = http.dashboard;
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

  /**
   * Re-reads the ledger file and the TLS certificates; with `next` (the configuration file read again) also applies
   * what is safe for connected clients (auth and ACL, rate limits, live capabilities, log level) and lists the rest.
   * Open connections are untouched.
   */
  async reload(next?: SwiftletConfig): Promise<ReloadResult> {
    const result: ReloadResult = { ledger: undefined, certificates: [], applied: [], restart: [], failed: [] };
    const plan = next === undefined ? undefined : planReload(this.#config, next);
    if (next !== undefined && plan !== undefined) {
      if (plan.auth) this.#apply(result, 'auth', () => this.ledger.reconfigure({ ...resolveLedgerOptions(next.auth), watch: next.auth.watch, useCertificateCommonNameAsUsername: next.auth.useCertificateCommonNameAsUsername }));
      if (plan.rateLimit.changed) await this.#applyRateLimit(result, plan.rateLimit.next);
      // Hook modules are read again and HTTP/JWT auth and webhooks rebuilt where their settings changed; on failure
      // the running ones stay.
      if (usesIntegrations(this.#config) || usesIntegrations(next)) {
        try {
          await this.integrations.apply(next);
          result.applied.push('hooks, webhooks, auth.http, auth.jwt');
        } catch (err) {
          result.failed.push({ key: 'hooks, webhooks', error: err instanceof Error ? err.message : String(err) });
        }
      }
      if (Object.keys(plan.capabilities).length > 0) {
        this.#apply(result, Object.keys(plan.capabilities).map((k) => `capabilities.${k}`).join(', '), () => this.broker.updateCapabilities(withDefaults(plan.capabilities, DEFAULT_CAPABILITIES)));
      }
      // The level changes last, once the caller has logged this reload (see applyLogLevel).
      if (plan.logLevel !== undefined) {
        result.logLevel = plan.logLevel;
        result.applied.push('logging.level');
      }
      result.restart = plan.restart;
      this.#config = effectiveConfig(this.#config, next, result);
    }
    // The ledger file's contents may have changed even when the configuration did not.
    if (this.#config.auth.ledgerFile !== undefined && !result.applied.includes('auth')) result.ledger = await this.ledger.reload();
    else if (result.applied.includes('auth')) result.ledger = this.#config.auth.ledgerFile === undefined ? undefined : true;
    const tls = new Set(this.#config.listeners.filter((l) => l.type === 'tls' || l.type === 'wss').map((l) => l.id));
    for (const l of this.#listeners) {
      const reloadable = l as Listener & { reloadCertificates?: () => Promise<void> };
      if (!tls.has(l.id) || typeof reloadable.reloadCertificates !== 'function') continue;
      try {
        await reloadable.reloadCertificates();
        result.certificates.push({ id: l.id, ok: true });
      } catch (err) {
        result.certificates.push({ id: l.id, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return result;
  }

  /** Sets the log level a reload asked for. */
  applyLogLevel(result: ReloadResult): void {
    if (result.logLevel !== undefined) this.logger.level = result.logLevel;
  }

  #apply(result: ReloadResult, key: string, change: () => unknown): void {
    try {
      change();
      result.applied.push(key);
    } catch (err) {
      result.failed.push({ key, error: err instanceof Error ? err.message : String(err) });
    }
  }

  async #applyRateLimit(result: ReloadResult, next: SwiftletConfig['rateLimit']): Promise<void> {
    try {
      if (next === undefined) {
        if (this.#rateLimit !== undefined) await this.broker.removeHook(this.#rateLimit.id);
        this.#rateLimit = undefined;
      } else if (this.#rateLimit !== undefined) {
        this.#rateLimit.configure(next);
      } else {
        this.#rateLimit = new RateLimit(next);
        await this.broker.addHook(this.#rateLimit);
      }
      result.applied.push('rateLimit');
    } catch (err) {
      result.failed.push({ key: 'rateLimit', error: err instanceof Error ? err.message : String(err) });
    }
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

/** The Persistence a `storage` section asks for; undefined for memory. */
export function createPersistence(storage: StorageConfig): Persistence | undefined {
  if (storage.type === 'lmdb' && storage.path !== undefined) {
    const lmdb: LmdbPersistenceOptions = { path: storage.path };
    // The map is the file's ceiling: room for the capped messages plus the sessions and page overhead around them.
    if (storage.maxSizeMiB !== undefined) lmdb.mapSize = Math.max(storage.maxSizeMiB * 2, storage.maxSizeMiB + 64) * 1024 * 1024;
    return new LmdbPersistence(lmdb);
  }
  if (storage.type === 'redis') {
    const redis: RedisPersistenceOptions = {};
    if (storage.url !== undefined) redis.url = storage.url;
    if (storage.sentinel !== undefined) redis.sentinel = storage.sentinel;
    if (storage.cluster !== undefined) redis.cluster = storage.cluster;
    if (storage.keyPrefix !== undefined) redis.keyPrefix = storage.keyPrefix;
    return new RedisPersistence(redis);
  }
  return undefined;
}
