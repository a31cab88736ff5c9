// Inbound PUBLISH: topic alias, limits, QoS 2 duplicate suppression, ACL and hooks, routing, acknowledgement.
import { ProtocolError } from '../codec/errors.js';
import { ReasonCode } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { PublishPacket } from '../codec/types.js';
import { isWellFormedUtf8 } from '../codec/utf8.js';
import { exceedsTopicLevels, isValidTopicName } from '../topics/validate.js';
import { HookRejection, REJECT } from '../hooks/hook.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { isPromise } from '../hooks/maybe-async.js';
import { messageFromPublish } from '../routing/publish-pipeline.js';
import type { PublishAck } from '../persistence/journal.js';
import { encodingSlot } from '../routing/message.js';

/** Handles a PUBLISH from a connected client. */
export function handlePublish(conn: Connection, packet: PublishPacket): HandlerResult {
  const ctx = conn.ctx;
  const caps = ctx.capabilities;
  const session = conn.session!;
  const qos = packet.qos;
  ctx.stats.publishReceived++;
  ctx.stats.messagesReceived++;
  ctx.stats.publishReceivedByQoS[qos]!++;

  let topic = packet.topic;
  if (conn.version === 5) {
    const alias = packet.properties.topicAlias;
    if (alias !== undefined) {
      // [MQTT-3.3.2-12] only 1..our Topic Alias Maximum are valid; anything else is 0x94 (5.0 section 3.3.2.3.4).
      if (alias === 0 || alias > caps.topicAliasMaximum) {
        throw new ProtocolError(ReasonCode.TOPIC_ALIAS_INVALID, `topic alias ${alias} out of range`, 'MQTT-3.3.2-12');
      }
      const aliases = (conn.inboundAliases ??= new Map<number, string>());
      if (topic.length > 0) {
        aliases.set(alias, topic); // [MQTT-3.3.2-12]
      } else {
        const known = aliases.get(alias);
        if (known === undefined) throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, `unknown topic alias ${alias}`, 'MQTT-3.3.2-12');
        topic = known;
      }
    } else if (topic.length === 0) {
      throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'empty topic name without topic alias', 'MQTT-3.3.2-1');
    }
    // [MQTT-3.3.4-6] a client never sends Subscription Identifiers in PUBLISH.
    if (packet.properties.subscriptionIdentifiers !== undefined) {
      throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'subscription identifier in a client PUBLISH', 'MQTT-3.3.4-6');
    }
    // [MQTT-3.3.2-14] the Response Topic is a topic name: no wildcards.
    const responseTopic = packet.properties.responseTopic;
    if (responseTopic !== undefined && !isValidTopicName(responseTopic)) {
      throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'response topic is not a valid topic name', 'MQTT-3.3.2-14');
    }
    // [MQTT-3.2.2-11] QoS above the advertised Maximum QoS.
    if (qos > caps.maximumQoS) throw new ProtocolError(ReasonCode.QOS_NOT_SUPPORTED, `QoS ${qos} not supported`, 'MQTT-3.2.2-11');
    // [MQTT-3.2.2-14] retain when Retain Available is 0.
    if (packet.retain && !caps.retainAvailable) throw new ProtocolError(ReasonCode.RETAIN_NOT_SUPPORTED, 'retain not supported', 'MQTT-3.2.2-14');
  }

  if (qos === 2) {
    // Exactly once (method A): route on first receipt, hold the id until PUBREL; a resent PUBLISH
    // with a held id is only acknowledged again [MQTT-4.3.3-10]... so it is never routed twice.
    if (session.inboundQoS2.has(packet.packetId)) {
      conn.sendAck(PacketType.PUBREC, packet.packetId, 0);
      return;
    }
    // [MQTT-3.3.4-7] more unacknowledged QoS > 0 PUBLISH than the Receive Maximum we advertised: DISCONNECT 0x93.
    if (session.inboundQoS2.size >= conn.receiveMaximum) {
      ctx.stats.limitsReached.receiveMaximum++;
      throw new ProtocolError(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, 'receive maximum exceeded', 'MQTT-3.3.4-7');
    }
  }

  // Configured limits: each costs a comparison while it is off.
  const refusal = publishLimitReached(conn, packet, topic);
  if (refusal !== 0) return refusePublish(conn, packet, refusal);

  if (conn.version === 5 && packet.properties.payloadFormatIndicator === 1 && !isWellFormedUtf8(packet.payload)) {
    // [MQTT-3.3.2-4] payload not matching its format indicator.
    return refusePublish(conn, packet, ReasonCode.PAYLOAD_FORMAT_INVALID);
  }
  if (topic.charCodeAt(0) === 0x24 && topic.startsWith('$SYS')) {
    // Clients cannot publish to $SYS: the broker owns it.
    return refusePublish(conn, packet, ReasonCode.NOT_AUTHORIZED);
  }

  const hooks = ctx.hooks;
  if (hooks.checkAcl === null && hooks.onPublish === null) {
    accept(conn, packet, topic, true);
    return;
  }
  if (hooks.checkAcl === null || conn.trusted) return afterAcl(conn, packet, topic, true, true);
  const allowed = hooks.runCheckAcl(conn.client!, topic, 'publish');
  if (isPromise(allowed)) return allowed.then((a) => afterAcl(conn, packet, topic, a, false));
  return afterAcl(conn, packet, topic, allowed, true);
}

// After the publish ACL: refuse, or onPublish hooks, then accept. `inline` is true while still inside the parser
// callback (the ACL answered synchronously). A function of its own, not a closure: no allocation per publish.
function afterAcl(conn: Connection, packet: PublishPacket, topic: string, allowed: boolean, inline: boolean): void | Promise<void> {
  if (!allowed) return refusePublish(conn, packet, ReasonCode.NOT_AUTHORIZED);
  const hooks = conn.ctx.hooks;
  if (hooks.onPublish === null) {
    accept(conn, packet, topic, inline);
    return;
  }
  const input = topic === packet.topic ? packet : { ...packet, topic };
  let transformed;
  try {
    transformed = hooks.runOnPublish(conn.client, input);
  } catch (err) {
    return rejectByHook(conn, packet, err);
  }
  if (isPromise(transformed)) {
    return transformed.then(
      (p) => afterTransform(conn, packet, p),
      (err: unknown) => rejectByHook(conn, packet, err),
    );
  }
  afterTransform(conn, packet, transformed);
}

/**
 * The reason code refusing a PUBLISH past a configured limit, or 0: User Properties past maximumUserProperties and
 * the client's own publish rate → 0x97 Quota exceeded; a topic name past maximumTopicLength or maximumTopicLevels →
 * 0x90 Topic Name invalid (a name that is well formed but not accepted by this server, Table 2-6). Counted per limit.
 */
function publishLimitReached(conn: Connection, packet: PublishPacket, topic: string): number {
  const ctx = conn.ctx;
  const caps = ctx.capabilities;
  const limits = ctx.stats.limitsReached;
  const maxUserProperties = caps.maximumUserProperties;
  if (maxUserProperties !== 0 && (packet.properties.userProperties?.length ?? 0) > maxUserProperties) {
    limits.maximumUserProperties++;
    return ReasonCode.QUOTA_EXCEEDED;
  }
  if (topic.length > caps.maximumTopicLength) {
    limits.maximumTopicLength++;
    return ReasonCode.TOPIC_NAME_INVALID;
  }
  if (caps.maximumTopicLevels !== 0 && exceedsTopicLevels(topic, caps.maximumTopicLevels)) {
    limits.maximumTopicLevels++;
    return ReasonCode.TOPIC_NAME_INVALID;
  }
  const rate = conn.publishRate;
  if (rate !== null) {
    const limit = rate.take(packet.payload.length, ctx.clock());
    if (limit !== undefined) {
      limits[limit]++;
      return ReasonCode.QUOTA_EXCEEDED;
    }
  }
  return 0;
}

function afterTransform(conn: Connection, original: PublishPacket, result: PublishPacket | typeof REJECT): void {
  if (result === REJECT) {
    // Dropped silently: the publisher still gets its normal acknowledgement.
    acknowledge(conn, original, 0);
    return;
  }
  accept(conn, { ...result, qos: original.qos, packetId: original.packetId }, result.topic);
}

function rejectByHook(conn: Connection, packet: PublishPacket, err: unknown): void {
  if (err instanceof HookRejection) {
    if (err.disconnect) {
      conn.close(err.reasonCode, err);
      return;
    }
    refusePublish(conn, packet, err.reasonCode);
    return;
  }
  throw err;
}

/** Routes an accepted publish and acknowledges it. `inline` = called synchronously from the parser. */
function accept(conn: Connection, packet: PublishPacket, topic: string, inline = false): void {
  const ctx = conn.ctx;
  // A retained message past maximumRetainedMessages / maximumRetainedBytes: a 5.0 QoS 1/2 publisher can be told, so
  // the publish is refused whole with 0x97 (never a failure code for a message that went out). Other publishers'
  // messages are routed and not retained (routing/retained-store.ts).
  if (packet.retain && packet.qos > 0 && conn.version === 5 && packet.payload.length > 0) {
    if (ctx.retained.quotaExceeded(topic, packet.payload.length, conn.client!.id, 'publish refused with 0x97') !== undefined) {
      refusePublish(conn, packet, ReasonCode.QUOTA_EXCEEDED);
      return;
    }
  }
  const message = messageFromPublish(topic === packet.topic ? packet : { ...packet, topic }, conn.client!.id, false, ctx);
  // Forward the bytes as received when they are exactly what a subscriber of the same protocol family
  // would get (no DUP, no retain flag, no topic alias, no expiry to rewrite): no encode, no copy.
  if (inline && !packet.dup && !packet.retain && message.expiresAt === 0 && packet.properties.topicAlias === undefined) {
    const raw = conn.parser.currentPacketBytes();
    if (raw !== undefined) {
      message.raw = raw;
      message.rawSlot = encodingSlot(conn.version === 5, packet.qos, false);
    }
  }
  const journal = ctx.journal;
  journal.quotaHit = false;
  if (!journal.enabled) {
    ctx.router.publish(message, conn.client);
    message.raw = undefined;
    message.rawSlot = -1;
    acknowledge(conn, packet, 0);
    return;
  }
  journal.beginPublish();
  ctx.router.publish(message, conn.client);
  // The raw bytes are a view of the socket chunk: never let a queued or inflight message keep it alive.
  message.raw = undefined;
  message.rawSlot = -1;
  if (journal.quotaHit && conn.version === 5 && packet.qos > 0) {
    // Not stored for every persistent subscriber (or not retained) because of the storage cap.
    journal.endPublish();
    journal.quotaHit = false;
    refusePublish(conn, packet, ReasonCode.QUOTA_EXCEEDED);
    return;
  }
  // A stored session's inbound QoS 2 id is recorded with the message, so a PUBLISH resent after a broker restart is
  // still recognised [MQTT-4.3.3-10].
  if (packet.qos === 2) ctx.store.holdInbound(conn.session!, packet.packetId);
  // What was recorded for this message (deliveries to persistent sessions, the retained store, the id) must be
  // committed, or the deliveries acknowledged by their subscribers, before the publisher hears it was received.
  acknowledge(conn, packet, 0, journal.endPublish(), packet.qos === 2);
}

/**
 * Sends PUBACK/PUBREC. `ack`: what it waits for (see Journal.beginPublish), null to send it now. `held`: the QoS 2
 * id is already held.
 */
function acknowledge(conn: Connection, packet: PublishPacket, reasonCode: number, ack: PublishAck | null = null, held = false): void {
  if (packet.qos === 1) {
    if (ack !== null) conn.writeDurableAck(PacketType.PUBACK, packet.packetId, ack);
    else conn.sendAck(PacketType.PUBACK, packet.packetId, reasonCode);
  } else if (packet.qos === 2) {
    // Only a successful PUBREC holds the id [MQTT-4.3.3-9]: an error ends the exchange.
    if (reasonCode < 0x80 && !held) conn.session!.holdInboundQoS2(packet.packetId);
    if (ack !== null) conn.writeDurableAck(PacketType.PUBREC, packet.packetId, ack);
    else conn.sendAck(PacketType.PUBREC, packet.packetId, reasonCode);
  }
}

/**
 * Refuses a publish: 5.0 QoS 1/2 get the reason code in PUBACK/PUBREC; 5.0 QoS 0 gets nothing;
 * 3.x has no way to say no, so the message is dropped and acknowledged as usual.
 */
function refusePublish(conn: Connection, packet: PublishPacket, reasonCode: number): void {
  conn.ctx.stats.messagesDropped++;
  conn.ctx.stats.droppedByReason['publish-refused']++;
  if (conn.version === 5) {
    if (packet.qos > 0) acknowledge(conn, packet, reasonCode);
    return;
  }
  acknowledge(conn, packet, 0);
}
