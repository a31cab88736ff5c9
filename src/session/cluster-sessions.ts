// Sessions in a cluster: each session is owned by one node (the bus keeps who, in Redis). A CONNECT on this node claims
// the session first: from nobody, from a live owner that hands it over (closing its connection with 0x8E and storing
// its state), or from a dead owner whose sessions are adopted. The state then comes from the shared store.
import { ReasonCode } from '../codec/reason-codes.js';
import type { SessionOwnership } from '../cluster/bus.js';
import type { BrokerContext } from '../context.js';
import { restoreState } from '../persistence/restore.js';
import type { PersistedState } from '../persistence/persistence.js';

/** Attempts at claiming a session before the CONNECT is refused (each waits for a handover or an adoption). */
const ATTEMPTS = 5;

/** The broker's side of session ownership in a cluster. */
export class ClusterSessions {
  readonly #ctx: BrokerContext;
  readonly #ownership: SessionOwnership;
  /** Client ids being claimed here, each with the claim running (CONNECTs of one id are claimed one at a time). */
  readonly #claiming = new Map<string, Promise<boolean>>();
  /** Client ids whose sessions are being loaded here, with the load. */
  readonly #loading = new Map<string, Promise<void>>();

  constructor(ctx: BrokerContext, ownership: SessionOwnership) {
    this.#ctx = ctx;
    this.#ownership = ownership;
  }

  /**
   * Makes this node the owner of `clientId`'s session before a CONNECT is acknowledged, with its state loaded here.
   * False when that cannot be done now (the owner does not answer, Redis is away): the CONNECT is refused with 0x88.
   * While Redis is away a session that ends with its connection (`persistent` false) is served here alone.
   */
  acquire(clientId: string, persistent: boolean): Promise<boolean> {
    const previous = this.#claiming.get(clientId);
    const run = (previous ?? Promise.resolve(true)).then(() => this.#acquire(clientId, persistent));
    const tracked = run.catch((err: unknown) => {
      this.#ctx.logger.warn({ clientId, err: String(err) }, 'cluster: claiming a session failed');
      return false;
    });
    this.#claiming.set(clientId, tracked);
    void tracked.then(() => {
      if (this.#claiming.get(clientId) === tracked) this.#claiming.delete(clientId);
    });
    return tracked;
  }

  async #acquire(clientId: string, persistent: boolean): Promise<boolean> {
    const own = this.#ownership;
    if (!own.available) return !persistent;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const claim = await own.claim(clientId);
      if (claim.claimed) {
        // Not held here: another node (or one that died) had it, or it was stored before any node owned it.
        if (!this.#ctx.registry.sessions.has(clientId)) await this.adopt([clientId]);
        return true;
      }
      if (!claim.alive) await own.adoptFrom(claim.owner);
      else if (!(await own.requestHandover(claim.owner, clientId))) return false;
    }
    return false;
  }

  /** Loads sessions this node now owns from the shared store (those already held here are left as they are). */
  adopt(clientIds: readonly string[]): Promise<void> {
    const load = this.#load(clientIds);
    const settled = load.catch(() => undefined);
    for (const id of clientIds) this.#loading.set(id, settled);
    void settled.then(() => {
      for (const id of clientIds) if (this.#loading.get(id) === settled) this.#loading.delete(id);
    });
    return load;
  }

  async #load(clientIds: readonly string[]): Promise<void> {
    const registry = this.#ctx.registry;
    const wanted = clientIds.filter((id) => !registry.sessions.has(id));
    const persistence = this.#ctx.persistence;
    if (wanted.length === 0 || persistence.loadClients === undefined) return;
    const state = await persistence.loadClients(wanted);
    // Loading took a turn or more: a session created here meanwhile keeps what it has.
    const fresh = new Set(state.sessions.map((s) => s.clientId).filter((id) => !registry.sessions.has(id)));
    const only: PersistedState = {
      sessions: state.sessions.filter((s) => fresh.has(s.clientId)),
      subscriptions: state.subscriptions.filter((s) => fresh.has(s.clientId)),
      retained: [],
      deliveries: state.deliveries.filter((d) => fresh.has(d.clientId)),
      inboundQoS2: state.inboundQoS2.filter((i) => fresh.has(i.clientId)),
    };
    // Their subscriptions enter the trie, so the route table tells the other nodes to send their messages here.
    restoreState(this.#ctx, only);
  }

  /**
   * Another node takes over: the connection here is closed (5.0: DISCONNECT 0x8E) [MQTT-3.1.4-3], the session leaves
   * this node, and what was recorded for it is committed before the other node reads it.
   */
  async handOver(clientId: string): Promise<void> {
    // A session being loaded or claimed here is handed over once that is done, never half-loaded.
    await this.#loading.get(clientId);
    await this.#claiming.get(clientId);
    const registry = this.#ctx.registry;
    const conn = registry.clients.get(clientId);
    if (conn !== undefined) {
      conn.closeReason = ReasonCode.SESSION_TAKEN_OVER;
      conn.close(ReasonCode.SESSION_TAKEN_OVER);
      registry.detach(conn);
    }
    const session = registry.get(clientId);
    if (session !== undefined) registry.evict(session);
    await this.#ctx.journal.settled();
  }

  /** A session ended here: it has no owner any more (unless a CONNECT for it is being claimed here). */
  ended(clientId: string): void {
    if (this.#claiming.has(clientId)) return;
    // After the current turn: a CONNECT ending the session with Clean Start opens a new one in the same turn.
    setImmediate(() => {
      if (!this.#ctx.registry.sessions.has(clientId) && !this.#claiming.has(clientId)) this.#ownership.release(clientId);
    });
  }
}
