// The sessions of a broker and the connection that owns each: create, take over, detach, end, and expiry.
import { ReasonCode } from '../codec/reason-codes.js';
import type { ClientInfo } from '../hooks/hook.js';
import type { Connection } from '../connection/connection.js';
import type { BrokerContext } from '../context.js';
import { publishWill } from '../routing/will.js';
import { toPacket } from '../routing/delivery.js';
import { Session, sessionExpired } from './session.js';
import { storedBytes } from '../persistence/journal.js';

/** Why a session ended, as `onSessionTerminated` reports it. */
export type SessionEndReason = 'expired' | 'clean-start' | 'taken-over' | 'removed';

/** Every session (connected or not) by client id, and the connection attached to each connected one. */
export class SessionRegistry {
  readonly #ctx: BrokerContext;
  readonly sessions = new Map<string, Session>();
  /** Connections by client id, for takeover and administrative disconnects. */
  readonly clients = new Map<string, Connection>();

  constructor(ctx: BrokerContext) {
    this.#ctx = ctx;
  }

  get(clientId: string): Session | undefined {
    return this.sessions.get(clientId);
  }

  /** Creates and registers a new session. */
  create(clientId: string, version: 3 | 4 | 5): Session {
    const session = new Session(clientId, version, this.#ctx.stats);
    this.sessions.set(clientId, session);
    this.#ctx.stats.sessions++;
    return session;
  }

  /**
   * A second connection with the same client id takes over [MQTT-3.1.4-3]: the old one is closed (5.0: DISCONNECT
   * 0x8E) and detached at once, so the new connection owns the session before the old socket's close event fires.
   */
  takeOver(clientId: string, by: Connection): void {
    const previous = this.clients.get(clientId);
    if (previous === undefined || previous === by) return;
    previous.closeReason = ReasonCode.SESSION_TAKEN_OVER;
    previous.close(ReasonCode.SESSION_TAKEN_OVER);
    this.detach(previous);
  }

  /**
   * The session a CONNECT continues, or a new one: Clean Start ends an existing session first [MQTT-3.1.2-4]
   * (its delayed will is sent now); resuming cancels a delayed will [MQTT-3.1.3-9].
   */
  open(clientId: string, version: 3 | 4 | 5, cleanStart: boolean): { session: Session; present: boolean } {
    let session = this.sessions.get(clientId);
    if (session !== undefined && cleanStart) {
      this.#sendDelayedWill(session);
      this.end(session, 'clean-start');
      session = undefined;
    }
    if (session === undefined) return { session: this.create(clientId, version), present: false };
    session.will = null;
    session.willDueAt = 0;
    return { session, present: true }; // [MQTT-3.2.2-3]
  }

  /** Attaches a connection that has been acknowledged to its session. */
  attach(conn: Connection, session: Session, clientId: string): void {
    session.connection = conn;
    session.disconnectedAt = 0;
    this.clients.set(clientId, conn);
    const stats = this.#ctx.stats;
    stats.clientsConnected++;
    stats.clientsTotal++;
    if (stats.clientsConnected > stats.clientsMaximum) stats.clientsMaximum = stats.clientsConnected;
  }

  /** Detaches a closed (or taken over) connection from its session: the will, session end or keeping, onDisconnected. */
  detach(conn: Connection): void {
    if (conn.detached) return;
    conn.detached = true;
    const ctx = this.#ctx;
    const session = conn.session;
    const client = conn.client;
    if (session === null || client === null) return;
    if (this.clients.get(client.id) === conn) this.clients.delete(client.id);
    let willSent = false;
    if (session.connection === conn) {
      session.connection = null;
      session.disconnectedAt = ctx.clock();
      ctx.stats.clientsConnected--;
      ctx.stats.disconnections++;
      const will = session.will;
      session.will = null;
      if (will !== null && !conn.discardWill) {
        willSent = true;
        // [MQTT-3.1.3-9] the will waits for its delay, but never outlives the session.
        const delay = Math.min(will.delay, session.expiryInterval);
        if (delay === 0 || ctx.closing) {
          publishWill(ctx, client, will.will);
        } else {
          session.will = will;
          session.willDueAt = session.disconnectedAt + delay * 1000;
        }
      }
      if (session.expiryInterval === 0) this.end(session, 'expired');
      else {
        if (session.subscriptions.size > 0) ctx.router.redistributeShared(session);
        ctx.store.saveSession(session);
      }
    }
    if (ctx.hooks.onDisconnected !== null) {
      ctx.hooks.notify('onDisconnected', client, {
        reasonCode: conn.closeReason,
        byServer: conn.closedByServer,
        error: conn.closeError,
        willSent,
      });
    }
  }

  /** Removes a session for good: its subscriptions leave the trie and its queue is dropped. */
  end(session: Session, why: SessionEndReason): void {
    if (this.sessions.get(session.clientId) !== session) return;
    const ctx = this.#ctx;
    this.sessions.delete(session.clientId);
    ctx.stats.sessions--;
    for (const sub of session.subscriptions.values()) ctx.router.removeSubscription(sub);
    session.subscriptions.clear();
    // Shared-group messages still pending go to another member of the group (QoS 2 in flight excepted).
    ctx.router.redistributeShared(session);
    ctx.store.deleteSession(session);
    if (ctx.hooks.onQosDropped !== null) {
      for (const entry of session.inflight.values()) ctx.hooks.notify('onQosDropped', session.clientId, toPacket(entry.message, entry.packetId), 'client-gone');
    }
    session.inflight.clear();
    session.aclWaiting = null;
    session.queue.clear();
    // In a cluster nobody owns it any more (Clean Start opens the next one here at once).
    if (ctx.cluster !== null && why !== 'clean-start') ctx.cluster.ended(session.clientId);
    if (why === 'expired' && ctx.hooks.onSessionExpired !== null) ctx.hooks.notify('onSessionExpired', session.clientId);
    if (ctx.hooks.onSessionTerminated !== null) ctx.hooks.notify('onSessionTerminated', session.clientId, why);
  }

  /**
   * Lets go of a session another node of the cluster takes over: it leaves this node (trie, routes, memory) and stays in
   * storage as it is, for that node to load. No hook hears of it: the session goes on there.
   */
  evict(session: Session): void {
    if (this.sessions.get(session.clientId) !== session || session.connection !== null) return;
    const ctx = this.#ctx;
    this.sessions.delete(session.clientId);
    ctx.stats.sessions--;
    for (const sub of session.subscriptions.values()) ctx.router.removeSubscription(sub);
    session.subscriptions.clear();
    // Its stored messages are the other node's to count from now on.
    for (const out of session.queue) if (out.seq !== 0) ctx.stats.storedBytes -= storedBytes(out.message);
    for (const entry of session.inflight.values()) if (entry.seq !== 0) ctx.stats.storedBytes -= storedBytes(entry.message);
    session.inflight.clear();
    session.aclWaiting = null;
    session.queue.clear();
    session.will = null;
    session.willDueAt = 0;
    session.stored = false;
  }

  /** Offline sessions at `now`: sends delayed wills that are due and ends sessions that have expired. */
  sweep(now: number): void {
    for (const session of this.sessions.values()) {
      if (session.connection !== null) continue;
      if (session.willDueAt !== 0 && session.willDueAt <= now) this.#sendDelayedWill(session);
      if (sessionExpired(session.expiryInterval, session.disconnectedAt, now)) {
        // [MQTT-3.1.3-9] a will still waiting is sent when the session ends.
        this.#sendDelayedWill(session);
        this.end(session, 'expired');
      }
    }
  }

  #sendDelayedWill(session: Session): void {
    const will = session.will;
    if (will === null) return;
    session.will = null;
    session.willDueAt = 0;
    publishWill(this.#ctx, offlineClientInfo(session), will.will);
    // The will is gone from the stored session too (a session ending now is deleted right after).
    if (session.stored) this.#ctx.store.saveSession(session);
  }
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
