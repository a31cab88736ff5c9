// UNSUBSCRIBE: remove each filter's subscription; UNSUBACK with a reason per filter (5.0).
import { ReasonCode } from '../codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../codec/types.js';
import type { UnsubscribePacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { isPromise } from '../hooks/maybe-async.js';
import { checkTopicFilter } from './topic-filter-check.js';

/** Handles UNSUBSCRIBE [MQTT-3.10.4-1] [MQTT-3.10.4-4] [MQTT-3.10.4-5]. */
export function handleUnsubscribe(conn: Connection, packet: UnsubscribePacket): HandlerResult {
  const ctx = conn.ctx;
  // The same filter grammar as SUBSCRIBE (sections 4.7.1, 4.8.2): a broken filter closes the connection.
  for (const topicFilter of packet.topics) checkTopicFilter(topicFilter, conn.version);
  if (ctx.hooks.onUnsubscribe === null) {
    unsubscribeAll(conn, packet, packet.topics);
    return;
  }
  const topics = ctx.hooks.runOnUnsubscribe(conn.client!, packet.topics);
  if (isPromise(topics)) return topics.then((t) => unsubscribeAll(conn, packet, t));
  unsubscribeAll(conn, packet, topics);
}

function unsubscribeAll(conn: Connection, packet: UnsubscribePacket, topics: string[]): void {
  const ctx = conn.ctx;
  const session = conn.session!;
  const codes: number[] = [];
  for (const topicFilter of packet.topics) {
    const sub = topics.includes(topicFilter) ? session.subscriptions.get(topicFilter) : undefined;
    if (sub === undefined) {
      codes.push(ReasonCode.NO_SUBSCRIPTION_EXISTED);
      continue;
    }
    session.subscriptions.delete(topicFilter);
    ctx.router.removeSubscription(sub);
    if (ctx.persistence.durable) ctx.persistence.deleteSubscription(session.clientId, topicFilter);
    codes.push(ReasonCode.SUCCESS);
  }
  // [MQTT-3.11.3-1] 5.0: one reason per filter; 3.x UNSUBACK carries no payload.
  conn.send({ type: PacketType.UNSUBACK, packetId: packet.packetId, reasonCodes: conn.version === 5 ? codes : [], properties: EMPTY_PROPERTIES });
  if (ctx.hooks.onUnsubscribed !== null) ctx.hooks.notify('onUnsubscribed', conn.client!, packet.topics, codes);
}
