// Writes what persistent sessions still owe their clients (in-flight and queued QoS 1/2 messages, and queued
// QoS 0 when those are kept) through Persistence.saveQueued, so that a graceful restart loses none of them.
import type { BrokerContext } from './context.js';
import type { Message } from './message.js';
import type { MessageRecord, QueuedRecord } from './persistence/persistence.js';

/** Saves the pending messages of every persistent session; returns how many records were written. */
export function savePending(ctx: BrokerContext): number {
  const persistence = ctx.persistence;
  if (!persistence.durable || persistence.saveQueued === undefined) return 0;
  let written = 0;
  for (const session of ctx.sessions.values()) {
    // Sessions that end with their connection have nothing to keep; inline subscriptions live in the program.
    if (session.inlineHandler !== null || session.expiryInterval === 0) continue;
    const clientId = session.clientId;
    const records: QueuedRecord[] = [];
    for (const e of session.inflight.values()) {
      records.push({ clientId, message: toRecord(e.message), qos: e.qos, retain: e.retain, subscriptionIds: e.subscriptionIds, packetId: e.packetId, released: e.released });
    }
    for (let i = session.queueHead; i < session.queue.length; i++) {
      const d = session.queue[i]!;
      records.push({ clientId, message: toRecord(d.message), qos: d.qos, retain: d.retain, subscriptionIds: d.subscriptionIds });
    }
    // Written even when empty: it replaces what an earlier stop stored.
    persistence.saveQueued(clientId, records);
    written += records.length;
  }
  return written;
}

// Only the record's fields: a routed Message also carries encodings that are not stored.
function toRecord(m: Message): MessageRecord {
  return { topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, properties: m.properties, origin: m.origin, expiresAt: m.expiresAt };
}
