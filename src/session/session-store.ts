// What the journal records about sessions: only sessions that outlive their connection (Session Expiry above 0, not
// inline) are stored, and for them the session, its subscriptions, the QoS 1/2 messages it is owed with their QoS
// state, and its inbound QoS 2 ids. Clean sessions record nothing and never wait for storage.
import type { BrokerContext } from '../context.js';
import { messageRecord } from '../routing/message.js';
import { deliveredWithoutCommit, storedBytes } from '../persistence/journal.js';
import type { DeliveryRecord, SessionRecord } from '../persistence/persistence.js';
import type { InflightEntry, Outgoing } from './delivery-queue.js';
import type { Session } from './session.js';
import type { Subscription } from './subscription.js';

/** True when `session` is kept in durable storage (it outlives its connection). */
export function isStoredSession(session: Session): boolean {
  return session.expiryInterval !== 0 && session.inlineHandler === null;
}

/** The persistence record of a session: expiry and will deadlines are absolute. */
export function sessionRecord(session: Session): SessionRecord {
  const will = session.will;
  const expiresAt = session.disconnectedAt === 0 || session.expiryInterval === 0xffffffff ? 0 : session.disconnectedAt + session.expiryInterval * 1000;
  const record: SessionRecord = {
    clientId: session.clientId,
    protocolVersion: session.protocolVersion,
    expiryInterval: session.expiryInterval,
    disconnectedAt: session.disconnectedAt,
    expiresAt,
  };
  if (will === null) return record;
  const w = will.will;
  return {
    ...record,
    will: { topic: w.topic, payload: w.payload, qos: w.qos, retain: w.retain, properties: w.properties, delay: will.delay },
    willDueAt: session.willDueAt,
  };
}

/** Records session state changes in the broker's journal. */
export class SessionStore {
  readonly #ctx: BrokerContext;

  constructor(ctx: BrokerContext) {
    this.#ctx = ctx;
  }

  /** True when changes of `session` are recorded. */
  stores(session: Session): boolean {
    return this.#ctx.journal.enabled && isStoredSession(session);
  }

  /** Saves the session record (connect, disconnect, will sent); false when the session is not stored. */
  saveSession(session: Session): boolean {
    if (!this.stores(session)) return false;
    session.stored = true;
    this.#ctx.journal.saveSession(sessionRecord(session));
    return true;
  }

  /** Removes a session that was stored, with everything recorded for it. */
  deleteSession(session: Session): void {
    if (!session.stored || !this.#ctx.journal.enabled) return;
    session.stored = false;
    let bytes = 0;
    for (const out of session.queue) if (out.seq !== 0) bytes += storedBytes(out.message);
    for (const entry of session.inflight.values()) if (entry.seq !== 0) bytes += storedBytes(entry.message);
    this.#ctx.journal.deleteSession(session.clientId, bytes);
  }

  /** Saves a subscription of a stored session; false when nothing was recorded. */
  saveSubscription(session: Session, sub: Subscription): boolean {
    if (!this.stores(session)) return false;
    this.#ctx.journal.saveSubscription({
      clientId: session.clientId,
      topicFilter: sub.topicFilter,
      qos: sub.qos,
      noLocal: sub.noLocal,
      retainAsPublished: sub.retainAsPublished,
      retainHandling: sub.retainHandling,
      identifier: sub.identifier,
    });
    return true;
  }

  /** Removes a subscription of a stored session; false when nothing was recorded. */
  deleteSubscription(session: Session, topicFilter: string): boolean {
    if (!this.stores(session)) return false;
    this.#ctx.journal.deleteSubscription(session.clientId, topicFilter);
    return true;
  }

  /**
   * Records a QoS 1/2 delivery to a stored session: queued (`packetId` 0) or sent. Returns false when it must be
   * dropped because storing it would pass the size cap (the publisher is then refused with 0x97).
   */
  recordDelivery(session: Session, out: Outgoing, packetId: number): boolean {
    if (out.qos === 0 || !this.stores(session)) return true;
    const journal = this.#ctx.journal;
    if (out.seq !== 0) {
      if (packetId !== 0) journal.updateDelivery(session.clientId, out.seq, packetId, false);
      return true;
    }
    if (journal.wouldExceed(storedBytes(out.message))) {
      journal.quotaHit = true;
      return false;
    }
    out.seq = journal.nextSeq++;
    const record: DeliveryRecord = {
      clientId: session.clientId,
      seq: out.seq,
      message: messageRecord(out.message),
      qos: out.qos,
      retain: out.retain,
      subscriptionIds: out.subscriptionIds,
      packetId,
      released: false,
    };
    out.pending = journal.saveDelivery(record);
    return true;
  }

  /** PUBREC came back for a QoS 2 delivery: only PUBREL is resent from now on. */
  released(session: Session, entry: InflightEntry): void {
    if (entry.seq !== 0 && this.#ctx.journal.enabled) this.#ctx.journal.updateDelivery(session.clientId, entry.seq, entry.packetId, true);
  }

  /** The subscriber acknowledged a delivery (PUBACK, PUBCOMP): it needs no storage any more, nor does its publisher wait for it. */
  completed(session: Session, entry: InflightEntry): void {
    const ack = entry.pending;
    if (ack !== null) {
      entry.pending = null;
      ack.outstanding--;
      if (deliveredWithoutCommit(ack)) ack.waiter?.ackReady();
    }
    this.forget(session, entry);
  }

  /**
   * A recorded delivery is finished, dropped or moved to another session: its record goes. A publisher waiting for it
   * still waits for the commit.
   */
  forget(session: Session, out: Outgoing): void {
    out.pending = null;
    if (out.seq === 0 || !this.#ctx.journal.enabled) return;
    this.#ctx.journal.deleteDelivery(session.clientId, out.seq, out.message);
    out.seq = 0;
  }

  /** Holds an inbound QoS 2 packet id until PUBREL (in memory, and recorded for a stored session); true when recorded. */
  holdInbound(session: Session, packetId: number): boolean {
    session.holdInboundQoS2(packetId);
    if (!this.stores(session)) return false;
    this.#ctx.journal.holdInbound(session.clientId, packetId);
    return true;
  }

  /** Releases an inbound QoS 2 packet id; returns whether it was held, and records the release for a stored session. */
  releaseInbound(session: Session, packetId: number): { known: boolean; recorded: boolean } {
    const known = session.inboundQoS2.delete(packetId);
    if (!known || !this.stores(session)) return { known, recorded: false };
    this.#ctx.journal.releaseInbound(session.clientId, packetId);
    return { known, recorded: true };
  }
}
