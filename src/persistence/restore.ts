// Restores what a durable Persistence kept across a restart: sessions (with their wills and deadlines), their
// subscriptions, the messages they are owed with their QoS state, inbound QoS 2 ids, and the retained messages.
// Runs once in serve(), before any listener accepts a client.
import { isExpired, messageFromRecord } from '../routing/message.js';
import type { BrokerContext } from '../context.js';
import { storedBytes } from './journal.js';
import type { DeliveryRecord, PersistedState } from './persistence.js';
import { parseSharedFilter } from '../topics/shared-filter.js';
import { isSysTree, isValidTopicFilter } from '../topics/validate.js';
import { sessionExpired } from '../session/session.js';

/** What restoreState put back, for the log. */
export interface RestoreSummary {
  sessions: number;
  subscriptions: number;
  /** Messages owed to sessions: queued and in flight. */
  queued: number;
  retained: number;
  /** Wills waiting for their delay (or due now). */
  wills: number;
  /** Records left out: expired sessions and messages, subscriptions of unknown sessions, invalid filters. */
  skipped: number;
}

/** Puts the persisted state into the broker; records that are no longer valid are skipped (and deleted from storage). */
export function restoreState(ctx: BrokerContext, state: PersistedState): RestoreSummary {
  const summary: RestoreSummary = { sessions: 0, subscriptions: 0, queued: 0, retained: 0, wills: 0, skipped: 0 };
  const journal = ctx.journal;
  const now = ctx.clock();
  for (const record of state.sessions) {
    // A session that was connected when the broker stopped went offline then: its expiry and will delay start now.
    const disconnectedAt = record.disconnectedAt === 0 ? now : record.disconnectedAt;
    const expired = sessionExpired(record.expiryInterval, disconnectedAt, now);
    if (ctx.registry.sessions.has(record.clientId) || (expired && record.will === undefined)) {
      if (expired) journal.deleteSession(record.clientId, 0);
      summary.skipped++;
      continue;
    }
    const session = ctx.registry.create(record.clientId, record.protocolVersion);
    session.expiryInterval = record.expiryInterval;
    session.disconnectedAt = disconnectedAt;
    session.stored = true;
    const will = record.will;
    if (will !== undefined) {
      // The sweep sends it at its deadline (at once when due or when the session has expired), then ends the session.
      session.will = { will: { topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, properties: will.properties }, delay: will.delay };
      const due = record.willDueAt ?? 0;
      session.willDueAt = due !== 0 ? due : disconnectedAt + Math.min(will.delay, record.expiryInterval) * 1000;
      summary.wills++;
    }
    summary.sessions++;
  }
  for (const record of state.subscriptions) {
    const session = ctx.registry.get(record.clientId);
    const shared = parseSharedFilter(record.topicFilter);
    if (session === undefined || session.inlineHandler !== null || shared === 'invalid' || !isValidTopicFilter(shared === null ? record.topicFilter : shared.filter)) {
      summary.skipped++;
      continue;
    }
    ctx.router.attachSubscription(session, record.topicFilter, record);
    summary.subscriptions++;
  }
  // Each session gets its messages back in the order they were recorded: in flight first (resent with their packet
  // ids on reconnect [MQTT-4.4.0-1]), then the queue.
  const deliveries = [...state.deliveries].sort((a, b) => a.seq - b.seq);
  let lastSeq = 0;
  for (const record of deliveries) {
    if (record.seq > lastSeq) lastSeq = record.seq;
    if (!restoreDelivery(ctx, record, now)) {
      journal.deleteDelivery(record.clientId, record.seq, record.message);
      journal.countRestored(storedBytes(record.message));
      summary.skipped++;
      continue;
    }
    journal.countRestored(storedBytes(record.message));
    summary.queued++;
  }
  // Deliveries loaded later (a session that moved here from another node) keep their numbers: new ones follow them.
  if (lastSeq >= journal.nextSeq) journal.nextSeq = lastSeq + 1;
  for (const { clientId, packetId } of state.inboundQoS2) {
    const session = ctx.registry.get(clientId);
    if (session === undefined) summary.skipped++;
    else session.holdInboundQoS2(packetId);
  }
  for (const record of state.retained) {
    journal.countRestored(storedBytes(record));
    const message = messageFromRecord(record);
    if (message.payload.length === 0 || isExpired(message, now) || isSysTree(message.topic)) {
      // Expired messages, and $SYS values an older version stored, are deleted: $SYS is the broker's live state.
      journal.deleteRetained(record);
      summary.skipped++;
      continue;
    }
    ctx.retained.restore(message);
    summary.retained++;
  }
  return summary;
}

// Puts one delivery back into its session; false when it is no longer wanted.
function restoreDelivery(ctx: BrokerContext, record: DeliveryRecord, now: number): boolean {
  const session = ctx.registry.get(record.clientId);
  const message = messageFromRecord(record.message);
  // A message the client already has (PUBREL sent) is kept whatever its expiry: only the PUBREL is resent.
  if (session === undefined || record.qos === 0 || (!record.released && isExpired(message, now))) return false;
  const out = { message, qos: record.qos, retain: record.retain, subscriptionIds: record.subscriptionIds, group: undefined, retainedBurst: false, seq: record.seq, pending: null, packetId: 0, released: false };
  if (record.packetId !== 0) {
    if (session.inflight.has(record.packetId)) return false;
    session.inflight.add({ ...out, qos: record.qos, packetId: record.packetId, released: record.released });
  } else {
    session.queue.push(out);
  }
  return true;
}
