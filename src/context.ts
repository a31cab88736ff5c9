// The broker's shared state and the services handlers use; the public Broker class wraps one of these.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ProtocolError } from './codec/errors.js';
import { ReasonCode } from './codec/reason-codes.js';
import { HookChain } from './hooks/hook-chain.js';
import { HookRejection } from './hooks/hook.js';
import type { ClientInfo } from './hooks/hook.js';
import type { ConnectionMeta } from './listeners/listener.js';
import { RetainedIndex } from './topics/retained-index.js';
import { Connection, ConnectionState } from './connection/connection.js';
import { Delivery } from './routing/delivery.js';
import type { Message } from './routing/message.js';
import { resolveCapabilities, DEFAULT_COMPATIBILITIES, SILENT_LOGGER } from './options.js';
import type { BrokerLogger, BrokerOptions, Capabilities, Compatibilities } from './options.js';
import { Router } from './routing/router.js';
import { Session, sessionExpired } from './session/session.js';
import { BrokerStats } from './sys/stats.js';
import type { Bus } from './cluster/bus.js';
import { NoopBus } from './cluster/bus.js';
import type { Persistence, SessionRecord } from './persistence/persistence.js';
import { MemoryPersistence } from './persistence/persistence.js';
import { publishWill } from './routing/will.js';

/** Shared broker state: options, sessions, subscriptions, retained messages, hooks, counters. */
export class BrokerContext {
  readonly id: string;
  readonly capabilities: Capabilities;
  readonly compatibilities: Compatibilities;
  readonly logger: BrokerLogger;
  readonly hooks: HookChain;
  readonly stats = new BrokerStats();
  readonly sessions = new Map<string, Session>();
  readonly retained = new RetainedIndex<Message>();
  readonly connections = new Set<Connection>();
  /** Connections by client id, for takeover. */
  readonly clients = new Map<string, Connection>();
  readonly router: Router;
  readonly delivery: Delivery;
  readonly responseInformationPrefix: string;
  readonly sharedStrategy: 'round-robin' | 'random' | 'hash';
  bus: Bus = new NoopBus();
  persistence: Persistence = new MemoryPersistence();
  closing = false;
  /** Seconds granted when a delayed will or expiring session needs a clock; refreshed by the sweep. */
  now = Date.now();

  #flushQueue: Connection[] = [];
  #flushScheduled = false;
  readonly #flushAll = (): void => {
    this.#flushScheduled = false;
    const q = this.#flushQueue;
    this.#flushQueue = [];
    for (let i = 0; i < q.length; i++) q[i]!.flush();
  };
  #sweepTimer: NodeJS.Timeout | undefined;
  readonly sweepInterval: number;

  constructor(options: BrokerOptions) {
    this.id = options.id ?? `swiftlet-${randomBytes(4).toString('hex')}`;
    this.capabilities = resolveCapabilities(options.capabilities);
    this.compatibilities = { ...DEFAULT_COMPATIBILITIES, ...options.compatibilities };
    this.logger = options.logger ?? SILENT_LOGGER;
    this.hooks = new HookChain(this.logger);
    this.responseInformationPrefix = options.responseInformationPrefix ?? 'response/';
    this.sharedStrategy = options.sharedSubscriptionStrategy ?? 'round-robin';
    this.sweepInterval = options.sweepInterval ?? 1000;
    this.router = new Router(this);
    this.delivery = new Delivery(this);
  }

  /** Starts the housekeeping sweep (keep alive, connect timeout, expiry, delayed wills). */
  startSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    this.#sweepTimer = setInterval(() => this.sweep(), this.sweepInterval);
    this.#sweepTimer.unref();
  }

  stopSweep(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /** Accepts a stream from a listener. */
  accept(stream: Duplex, meta: ConnectionMeta): void {
    if (this.closing) {
      stream.destroy();
      return;
    }
    const conn = new Connection(this, stream, meta);
    this.connections.add(conn);
    if (this.hooks.onAccept !== null) {
      const ok = this.hooks.runOnAccept(meta);
      if (ok === false) {
        this.stats.connectionsRefused++;
        this.stats.connectionsRefusedByReason[0]!++;
        conn.destroy();
      } else if (ok !== true) {
        stream.pause();
        ok.then(
          (allowed) => {
            if (allowed) stream.resume();
            else {
              this.stats.connectionsRefused++;
              this.stats.connectionsRefusedByReason[0]!++;
              conn.destroy();
            }
          },
          () => conn.destroy(),
        );
      }
    }
  }

  /** Queues a connection's pending bytes to be written after the current turn (one write per connection). */
  scheduleFlush(conn: Connection): void {
    this.#flushQueue.push(conn);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // After the poll phase: every socket read in this loop iteration has been handled, so each
      // connection gets one write for all of them; a quiet broker still writes within the same iteration.
      setImmediate(this.#flushAll);
    }
  }

  /** Maps an error raised while handling a connection's packet to its reason code and closes it. */
  failConnection(conn: Connection, err: unknown): void {
    if (err instanceof ProtocolError || err instanceof HookRejection) {
      this.logger.debug({ client: conn.client?.id, reason: err.reasonCode, err: err.message }, 'closing connection');
      conn.close(err.reasonCode, err, err instanceof HookRejection && err.serverReference !== undefined ? { serverReference: err.serverReference } : undefined);
      return;
    }
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.error({ client: conn.client?.id, err: error }, 'unexpected error handling packet');
    if (this.hooks.onError !== null) this.hooks.notify('onError', error, { clientId: conn.client?.id, where: 'packet' });
    conn.close(ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, error);
  }

  /** Called once when a connection's stream has closed: detaches the session, publishes the will, notifies. */
  connectionClosed(conn: Connection): void {
    this.connections.delete(conn);
    if (conn.detached) return;
    conn.detached = true;
    const session = conn.session;
    const client = conn.client;
    if (session === null || client === null) return;
    if (this.clients.get(client.id) === conn) this.clients.delete(client.id);
    let willSent = false;
    if (session.connection === conn) {
      session.connection = null;
      session.disconnectedAt = Date.now();
      this.stats.clientsConnected--;
      this.stats.disconnections++;
      const will = session.will;
      session.will = null;
      if (will !== null && !conn.discardWill) {
        willSent = true;
        // [MQTT-3.1.3-9] the will waits for its delay, but never outlives the session.
        const delay = Math.min(will.delay, session.expiryInterval);
        if (delay === 0 || this.closing) {
          publishWill(this, client, will.will);
        } else {
          session.will = will;
          session.willDueAt = session.disconnectedAt + delay * 1000;
        }
      }
      if (session.expiryInterval === 0) this.endSession(session, 'expired');
      else {
        if (session.subscriptions.size > 0) this.router.redistributeShared(session);
        if (this.persistence.durable) this.persistence.saveSession(sessionRecord(session));
      }
    }
    if (this.hooks.onDisconnected !== null) {
      this.hooks.notify('onDisconnected', client, {
        reasonCode: conn.closeReason,
        byServer: conn.closedByServer,
        error: conn.closeError,
        willSent,
      });
    }
  }

  /** Removes a session for good: its subscriptions leave the trie and its queue is dropped. */
  endSession(session: Session, why: 'expired' | 'clean-start' | 'taken-over' | 'removed'): void {
    if (this.sessions.get(session.clientId) !== session) return;
    this.sessions.delete(session.clientId);
    this.stats.sessions--;
    for (const sub of session.subscriptions.values()) this.router.removeSubscription(sub);
    session.subscriptions.clear();
    // Shared-group messages still pending go to another member of the group (QoS 2 in flight excepted).
    this.router.redistributeShared(session);
    this.stats.inflight -= session.inflight.size;
    session.inflight.clear();
    session.clearQueue();
    if (this.persistence.durable) this.persistence.deleteSession(session.clientId);
    if (why === 'expired' && this.hooks.onSessionExpired !== null) this.hooks.notify('onSessionExpired', session.clientId);
    if (this.hooks.onSessionTerminated !== null) this.hooks.notify('onSessionTerminated', session.clientId, why);
  }

  /** Periodic housekeeping: keep alive, CONNECT timeout, delayed wills, session and retained expiry. */
  sweep(): void {
    const now = Date.now();
    this.now = now;
    const connectTimeout = this.capabilities.connectTimeout;
    for (const conn of this.connections) {
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
    for (const session of this.sessions.values()) {
      if (session.connection !== null) continue;
      if (session.willDueAt !== 0 && session.willDueAt <= now && session.will !== null) {
        const will = session.will;
        session.will = null;
        session.willDueAt = 0;
        publishWill(this, offlineClientInfo(session), will.will);
      }
      if (sessionExpired(session.expiryInterval, session.disconnectedAt, now)) {
        if (session.will !== null) {
          publishWill(this, offlineClientInfo(session), session.will.will);
          session.will = null;
        }
        this.endSession(session, 'expired');
      }
    }
  }

  /** Creates and registers a new session. */
  createSession(clientId: string, version: 3 | 4 | 5): Session {
    const session = new Session(clientId, version);
    this.sessions.set(clientId, session);
    this.stats.sessions++;
    return session;
  }
}

/** The persistence record of a session. */
export function sessionRecord(session: Session): SessionRecord {
  return {
    clientId: session.clientId,
    protocolVersion: session.protocolVersion,
    expiryInterval: session.expiryInterval,
    disconnectedAt: session.disconnectedAt,
  };
}

/** ClientInfo for a session whose connection is gone (delayed wills, expiry). */
export function offlineClientInfo(session: Session): ClientInfo {
  if (session.lastClient !== null) return session.lastClient;
  return {
    id: session.clientId,
    username: undefined,
    protocolVersion: session.protocolVersion,
    remoteAddress: '',
    remotePort: 0,
    listenerId: '',
    transport: '',
    certificate: undefined,
    connectedAt: 0,
    keepAlive: 0,
    clean: false,
    inline: false,
  };
}
