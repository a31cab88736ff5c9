// Restores what a durable Persistence kept across a restart: sessions, their subscriptions, queued messages and
// the retained messages. Runs once in serve(), before any listener accepts a client.
import { isExpired, messageFromRecord } from '../routing/message.js';
import type { BrokerContext } from '../context.js';
import type { PersistedState } from './persistence.js';
import { parseSharedFilter } from '../topics/shared-filter.js';
import { isSysTree, isValidTopicFilter } from '../topics/validate.js';
import { sessionExpired } from '../session/session.js';

/** What restoreState put back, for the log. */
export interface RestoreSummary {
  sessions: number;
  subscriptions: number;
  queued: number;
  retained: number;
  /** Records left out: expired sessions and messages, subscriptions of unknown sessions, invalid filters. */
  skipped: number;
}

/** Puts the persisted state into the broker; records that are no longer valid are skipped (and expired sessions deleted). */
export function restoreState(ctx: BrokerContext, state: PersistedState): RestoreSummary {
  const summary: RestoreSummary = { sessions: 0, subscriptions: 0, queued: 0, retained: 0, skipped: 0 };
  const now = ctx.clock();
  for (const record of state.sessions) {
    // A session that was connected when the broker stopped went offline then: its expiry starts now.
    const disconnectedAt = record.disconnectedAt === 0 ? now : record.disconnectedAt;
    const expired = sessionExpired(record.expiryInterval, disconnectedAt, now);
    if (expired || ctx.registry.sessions.has(record.clientId)) {
      if (expired) ctx.persistence.deleteSession(record.clientId);
      summary.skipped++;
      continue;
    }
    const session = ctx.registry.create(record.clientId, record.protocolVersion);
    session.expiryInterval = record.expiryInterval;
    session.disconnectedAt = disconnectedAt;
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
  for (const record of state.queued) {
    const session = ctx.registry.get(record.clientId);
    const message = messageFromRecord(record.message);
    const released = record.released === true;
    const packetId = record.packetId ?? 0;
    // A message the client already has (PUBREL sent) is kept whatever its expiry: only the PUBREL is resent.
    if (session === undefined || (!released && isExpired(message, now))) {
      summary.skipped++;
      continue;
    }
    const retain = record.retain === true;
    if (packetId !== 0 && record.qos !== 0) {
      if (session.inflight.has(packetId)) {
        summary.skipped++;
        continue;
      }
      // Resent with DUP and the same packet id when the client comes back [MQTT-4.4.0-1].
      session.inflight.add({ packetId, message, qos: record.qos, retain, subscriptionIds: record.subscriptionIds, group: undefined, retainedBurst: false, released });
    } else {
      session.queue.push({ message, qos: record.qos, retain, subscriptionIds: record.subscriptionIds, group: undefined, retainedBurst: false });
    }
    summary.queued++;
  }
  for (const record of state.retained) {
    const message = messageFromRecord(record);
    if (message.payload.length === 0 || isExpired(message, now) || isSysTree(message.topic)) {
      // Expired messages, and $SYS values an older version stored, are deleted: $SYS is the broker's live state.
      ctx.persistence.deleteRetained(message.topic);
      summary.skipped++;
      continue;
    }
    ctx.retained.restore(message);
    summary.retained++;
  }
  return summary;
}
