// The broker's shared state and the services handlers use; the public Broker class wraps one of these.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ReasonCode } from './codec/reason-codes.js';
import { HookChain } from './hooks/hook-chain.js';
import type { ConnectionMeta } from './listeners/listener.js';
import { Connection, ConnectionState } from './connection/connection.js';
import { FlushScheduler } from './connection/outbound.js';
import { Delivery } from './routing/delivery.js';
import { resolveCapabilities, DEFAULT_COMPATIBILITIES, SILENT_LOGGER } from './options.js';
import type { BrokerLogger, BrokerOptions, Capabilities, Compatibilities } from './options.js';
import { Router } from './routing/router.js';
import { SessionRegistry } from './session/registry.js';
import { SessionStore } from './session/session-store.js';
import { RetainedStore } from './routing/retained-store.js';
import { BrokerStats } from './sys/stats.js';
import type { Bus } from './cluster/bus.js';
import { NoopBus } from './cluster/bus.js';
import { RedisBus } from './cluster/redis-bus.js';
import { ClusterSessions } from './session/cluster-sessions.js';
import type { Persistence } from './persistence/persistence.js';
import { MemoryPersistence } from './persistence/memory-persistence.js';
import { Journal } from './persistence/journal.js';
import { StorageErrorReporter } from './persistence/storage-error-reporter.js';

/** Shared broker state: options, sessions, subscriptions, retained messages, hooks, counters. */
export class BrokerContext {
  readonly id: string;
  readonly capabilities: Capabilities;
  readonly compatibilities: Compatibilities;
  readonly logger: BrokerLogger;
  readonly hooks: HookChain;
  readonly stats = new BrokerStats();
  /** The time in ms since the epoch: Date.now unless the embedding program (or a test) supplies a clock. */
  readonly clock: () => number;
  readonly registry: SessionRegistry;
  /** What the journal records about sessions. */
  readonly store = new SessionStore(this);
  readonly retained: RetainedStore;
  readonly connections = new Set<Connection>();
  readonly router: Router;
  readonly delivery: Delivery;
  readonly flusher = new FlushScheduler();
  readonly responseInformationPrefix: string;
  readonly sharedStrategy: 'round-robin' | 'random' | 'hash';
  /** The cluster bus (RedisBus when `cluster` is set); single-node brokers run the no-op bus. */
  readonly bus: Bus;
  /** Session ownership across the nodes of a cluster; null on a single node. */
  readonly cluster: ClusterSessions | null;
  persistence: Persistence = new MemoryPersistence();
  /** Records state changes through `persistence` and group-commits them (disabled for a non-durable one). */
  journal: Journal;
  /** Reports storage failures: onError (`where: 'persistence'`), a rate-limited warning, the persistenceErrors counter. */
  readonly storageFailures: StorageErrorReporter;
  closing = false;

  #sweepTimer: NodeJS.Timeout | undefined;
  readonly sweepInterval: number;

  constructor(options: BrokerOptions) {
    this.id = options.id ?? `swiftlet-${randomBytes(4).toString('hex')}`;
    this.capabilities = resolveCapabilities(options.capabilities);
    this.compatibilities = { ...DEFAULT_COMPATIBILITIES, ...options.compatibilities };
    this.logger = options.logger ?? SILENT_LOGGER;
    this.clock = options.clock ?? Date.now;
    this.hooks = new HookChain(this.logger);
    this.responseInformationPrefix = options.responseInformationPrefix ?? 'response/';
    this.sharedStrategy = options.sharedSubscriptionStrategy ?? 'round-robin';
    this.sweepInterval = options.sweepInterval ?? 1000;
    this.bus = options.cluster === undefined ? new NoopBus() : new RedisBus(options.cluster, this.logger, this.sharedStrategy);
    this.cluster = this.bus.sessions === null ? null : new ClusterSessions(this, this.bus.sessions);
    this.storageFailures = new StorageErrorReporter(this);
    this.journal = this.#createJournal(0);
    this.registry = new SessionRegistry(this);
    this.retained = new RetainedStore(this);
    this.router = new Router(this);
    this.delivery = new Delivery(this);
  }

  /** Puts the journal on the Persistence in use (serve(), after setPersistence). */
  openJournal(maxBytes: number): void {
    this.journal = this.#createJournal(maxBytes);
  }

  #createJournal(maxBytes: number): Journal {
    return new Journal(
      this.persistence,
      this.stats,
      {
        failed: (err, operation, clientId) => this.storageFailures.report(err, operation, clientId),
        recovered: () => this.logger.info({}, 'storage available again: acknowledging stored messages'),
      },
      { maxBytes },
    );
  }

  /**
   * Compares process memory (resident set size: one cheap system call) with memoryHighWaterMark; while it is above,
   * CONNECT is refused with 0x89 Server busy. Called by the sweep, at start and when the capability changes; a
   * crossing either way is logged once.
   */
  sampleMemory(): void {
    const mark = this.capabilities.memoryHighWaterMark;
    const rss = mark === 0 ? 0 : process.memoryUsage.rss();
    const high = mark !== 0 && rss > mark;
    if (high === this.stats.memoryHigh) return;
    this.stats.memoryHigh = high;
    if (high) this.logger.warn({ rss, memoryHighWaterMark: mark }, 'memory above memoryHighWaterMark: refusing new connections (0x89 Server busy)');
    else this.logger.info({ rss, memoryHighWaterMark: mark }, 'memory below memoryHighWaterMark again: accepting new connections');
  }

  /** Starts the housekeeping sweep (keep alive, connect timeout, expiry, delayed wills). */
  startSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    this.sampleMemory();
    this.#sweepTimer = setInterval(() => this.sweep(), this.sweepInterval);
    this.#sweepTimer.unref();
  }

  stopSweep(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /** Accepts a stream from a listener; `trusted` for the broker's own in-process connections (bridges). */
  accept(stream: Duplex, meta: ConnectionMeta, trusted = false): void {
    if (this.closing) {
      stream.destroy();
      return;
    }
    const conn = new Connection(this, stream, meta);
    conn.trusted = trusted;
    this.connections.add(conn);
    if (this.hooks.onAccept !== null) {
      const ok = this.hooks.runOnAccept(meta);
      if (ok === false) conn.abort();
      else if (ok !== true) {
        stream.pause();
        ok.then(
          (allowed) => {
            if (allowed) stream.resume();
            else conn.abort();
          },
          () => conn.abort(),
        );
      }
    }
  }

  /** Called once when a connection's stream has closed. */
  connectionClosed(conn: Connection): void {
    this.connections.delete(conn);
    this.registry.detach(conn);
  }

  /** Periodic housekeeping: keep alive, CONNECT timeout, delayed wills, session and retained expiry. */
  sweep(): void {
    const now = this.clock();
    const connectTimeout = this.capabilities.connectTimeout;
    const stallTimeout = this.capabilities.outboundStallTimeout;
    for (const conn of this.connections) {
      if (stallTimeout > 0 && conn.stalledFor(now) >= stallTimeout) {
        this.logger.warn({ clientId: conn.client?.id, connection: conn.number, stallTimeout, unreadBytes: conn.stream.writableLength }, 'closing a connection whose client reads nothing');
        conn.closeStalled();
        continue;
      }
      if (conn.active) {
        conn.active = false;
        conn.lastSeen = now;
        continue;
      }
      if (conn.state === ConnectionState.NEW && now - conn.openedAt >= connectTimeout) {
        conn.destroy();
      } else if (conn.state === ConnectionState.CONNECTED && conn.keepAliveMs > 0 && now - conn.lastSeen >= conn.keepAliveMs * 1.5) {
        // [MQTT-3.1.2-24] 1.5 times the keep alive without a packet: close as if the network failed.
        conn.closeReason = ReasonCode.KEEP_ALIVE_TIMEOUT;
        conn.close(ReasonCode.KEEP_ALIVE_TIMEOUT);
      }
    }
    this.registry.sweep(now);
    this.retained.purgeExpired(now);
    if (this.capabilities.memoryHighWaterMark !== 0 || this.stats.memoryHigh) this.sampleMemory();
  }
}
