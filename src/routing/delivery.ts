// Delivery to one session: QoS flows, inflight window, offline queue, encode-once fan-out.
import { encodePacket, encodePublish, encodePublishHead, publishPacketIdOffset } from '../codec/encode.js';
import { allocateBuffer } from '../codec/slab.js';
import { EMPTY_PROPERTIES, PacketType } from '../codec/types.js';
import type { Packet, Properties, PublishPacket, QoS } from '../codec/types.js';
import type { BrokerContext } from '../context.js';
import { LARGE_WRITE_BYTES } from '../connection/outbound.js';
import type { Connection } from '../connection/connection.js';
import { encodingSlot } from './message.js';
import type { Message } from './message.js';
import type { DropReason } from '../hooks/hook.js';
import type { Session } from '../session/session.js';
import type { InflightEntry, Outgoing } from '../session/delivery-queue.js';
import { readAccess } from './read-acl.js';

/** Sends messages to sessions, respecting inflight windows, congestion and queue bounds. */
export class Delivery {
  readonly #ctx: BrokerContext;

  constructor(ctx: BrokerContext) {
    this.#ctx = ctx;
  }

  /** Delivers one message to one session: sends it now, queues it, or drops it (counted and reported). */
  deliver(session: Session, out: Outgoing): void {
    if (session.inlineHandler !== null) {
      deliverInline(this.#ctx, session, out);
      return;
    }
    const conn = session.connection;
    if (conn === null || !conn.isConnected) {
      // Offline persistent session: queue QoS 1/2 (and QoS 0 when configured) [MQTT-3.1.2-5].
      // The read ACL is asked when the client is back (pump): only then is it known who reads.
      if (out.qos > 0 || this.#ctx.capabilities.queueQoS0Offline) this.#enqueue(session, out, 'offline-queue-full');
      return;
    }
    if (this.#ctx.hooks.checkAcl !== null && !this.#mayRead(session, conn, out)) return;
    if (out.qos === 0) {
      if (conn.congested) {
        // Retained messages sent on subscribe wait for the socket instead of being dropped.
        if (out.retainedBurst) this.#enqueue(session, out, 'queue-full');
        else this.drop(session, out.message, 'congested');
        return;
      }
      this.#sendPublish(conn, session, out, 0, false);
      return;
    }
    // Keep order: once something waits, everything after it waits too.
    if (session.queue.size > 0 || conn.congested) {
      this.#enqueue(session, out, 'queue-full');
      return;
    }
    if (session.inflight.size >= conn.inflightLimit) {
      this.#ctx.stats.limitsReached.maximumInflight++;
      this.#enqueue(session, out, 'queue-full');
      return;
    }
    this.#sendInflight(conn, session, out);
  }

  /** Counts and reports a message that will not be delivered to `session`. */
  drop(session: Session, message: Message, why: DropReason): void {
    session.dropped++;
    this.#ctx.stats.messagesDropped++;
    this.#ctx.stats.droppedByReason[why]++;
    const hooks = this.#ctx.hooks;
    if (hooks.onMessageDropped !== null) hooks.notify('onMessageDropped', session.clientId, toPacket(message, 0), why);
  }

  /**
   * The read ACL before a delivery: true to go on; false when the delivery was dropped ('acl-denied'), handed to
   * another shared-group member, or parked behind an asynchronous answer (later deliveries to the session wait
   * behind it, so its order holds; other sessions' deliveries never wait).
   */
  #mayRead(session: Session, conn: Connection, out: Outgoing): boolean {
    if (session.aclWaiting !== null) {
      this.#park(session, out);
      return false;
    }
    const answer = readAccess(this.#ctx.hooks, session, conn.client!, out.message.topic);
    if (answer === true) return true;
    if (answer === false) {
      this.#readDenied(session, out);
      return false;
    }
    session.aclWaiting = [out];
    void answer.then(() => this.#unpark(session));
    return false;
  }

  #park(session: Session, out: Outgoing): void {
    const waiting = session.aclWaiting!;
    if (!out.retainedBurst && waiting.length >= (session.limits?.maximumQueuedMessages ?? this.#ctx.capabilities.maximumQueuedMessages)) {
      this.#ctx.stats.limitsReached.maximumQueuedMessages++;
      this.drop(session, out.message, 'queue-full');
    } else {
      waiting.push(out);
    }
  }

  // An asynchronous read answer arrived (and is cached): deliver what waited, in order, until another one parks.
  #unpark(session: Session): void {
    const waiting = session.aclWaiting;
    session.aclWaiting = null;
    if (waiting === null) return;
    for (let i = 0; i < waiting.length; i++) {
      // deliver() may have parked the session again behind another pending answer: the rest waits there too.
      const parked = session.aclWaiting as Outgoing[] | null;
      if (parked !== null) {
        for (let j = i; j < waiting.length; j++) parked.push(waiting[j]!);
        return;
      }
      this.deliver(session, waiting[i]!);
    }
  }

  // A shared-group message goes to another member that may read it; anything else is dropped.
  #readDenied(session: Session, out: Outgoing): void {
    if (out.group !== undefined && this.#ctx.router.deliverShared(out.group, out.message, session)) return;
    this.drop(session, out.message, 'acl-denied');
  }

  #enqueue(session: Session, out: Outgoing, why: DropReason): void {
    // Retained bursts are exempt from the bound: they reference messages the retained store already
    // holds, so the queue costs one small record each, bounded by the store's size.
    if (!out.retainedBurst) {
      // The session's own bounds (a per-client override) or the broker's; each check reads fields already at hand.
      const caps = this.#ctx.capabilities;
      const limits = session.limits;
      const queue = session.queue;
      if (queue.size >= (limits?.maximumQueuedMessages ?? caps.maximumQueuedMessages)) {
        this.#ctx.stats.limitsReached.maximumQueuedMessages++;
        this.drop(session, out.message, why);
        return;
      }
      const maxBytes = limits?.maximumQueuedBytes ?? caps.maximumQueuedBytes;
      if (maxBytes !== 0 && queue.bytes + out.message.payload.length > maxBytes) {
        this.#ctx.stats.limitsReached.maximumQueuedBytes++;
        this.drop(session, out.message, why);
        return;
      }
    }
    if (!this.#ctx.store.recordDelivery(session, out, 0)) {
      this.drop(session, out.message, 'storage-full');
      return;
    }
    session.queue.push(out);
  }

  /** Sends queued deliveries while the inflight window and the socket allow (after acks, on resume, on drain). */
  pump(session: Session): void {
    const conn = session.connection;
    if (conn === null || !conn.isConnected) return;
    const queue = session.queue;
    const now = this.#ctx.clock();
    const hooks = this.#ctx.hooks;
    while (queue.size > 0) {
      if (conn.congested) return;
      const head = queue.peek()!;
      if (head.qos > 0 && session.inflight.size >= conn.inflightLimit) return;
      if (hooks.checkAcl !== null) {
        // Queued while offline or behind the window: asked for the client that receives it now.
        const answer = readAccess(hooks, session, conn.client!, head.message.topic);
        if (answer !== true && answer !== false) {
          // The head waits in place for the answer; so does everything behind it.
          void answer.then(() => this.pump(session));
          return;
        }
        if (!answer) {
          queue.shift();
          this.#readDenied(session, head);
          continue;
        }
      }
      queue.shift();
      if (head.message.expiresAt !== 0 && head.message.expiresAt <= now) {
        this.#ctx.store.forget(session, head);
        this.drop(session, head.message, 'expired'); // [MQTT-3.3.2-5]
        continue;
      }
      if (head.qos === 0) this.#sendPublish(conn, session, head, 0, false);
      else this.#sendInflight(conn, session, head);
    }
  }

  /** Re-sends everything unacknowledged on a resumed session: PUBLISH with DUP and the same id, or PUBREL [MQTT-4.4.0-1]. */
  resend(session: Session): void {
    const conn = session.connection;
    if (conn === null) return;
    for (const entry of session.inflight.values()) {
      if (entry.released) {
        conn.sendAck(PacketType.PUBREL, entry.packetId, 0);
      } else {
        // [MQTT-3.3.1-1] DUP set on re-delivery.
        this.#sendPublish(conn, session, entry, entry.packetId, true);
      }
    }
  }

  #sendInflight(conn: Connection, session: Session, out: Outgoing): void {
    const packetId = session.allocatePacketId();
    if (packetId === 0) {
      // All 65535 ids in use: cannot happen below the inflight limit (at most 65535), but never send a duplicate id.
      this.#enqueue(session, out, 'inflight-full');
      return;
    }
    const store = this.#ctx.store;
    if (!store.recordDelivery(session, out, packetId)) {
      this.drop(session, out.message, 'storage-full');
      return;
    }
    // Exactly once across a crash: a QoS 2 PUBLISH leaves only once its packet id is committed, so a restarted
    // broker resends it with the same id, which the client recognises [MQTT-4.3.3-10].
    if (out.qos === 2 && out.seq !== 0) conn.holdForCommit();
    if (!this.#sendPublish(conn, session, out, packetId, false)) {
      store.forget(session, out);
      return;
    }
    // The delivery itself is the inflight entry (one session's record, never shared): no copy per message.
    out.packetId = packetId;
    out.released = false;
    session.inflight.add(out as InflightEntry);
    const hooks = this.#ctx.hooks;
    if (hooks.onQosStarted !== null && conn.client !== null) hooks.notify('onQosStarted', conn.client, toPacket(out.message, packetId));
  }

  /** Encodes and writes one PUBLISH; false when it was dropped (expired, or larger than the client accepts). */
  #sendPublish(conn: Connection, session: Session, out: Outgoing, packetId: number, dup: boolean): boolean {
    const { message, qos, retain } = out;
    let bytes: Buffer;
    // Large payloads are never copied: the head is encoded per client and the payload written after it.
    let payload: Buffer | null = null;
    const v5 = conn.version === 5;
    let expirySeconds = 0;
    if (message.expiresAt !== 0) {
      const left = message.expiresAt - this.#ctx.clock();
      if (left <= 0) {
        this.drop(session, message, 'expired'); // [MQTT-3.3.2-5]
        return false;
      }
      expirySeconds = Math.ceil(left / 1000);
    }
    const hooks = this.#ctx.hooks;
    if (hooks.outboundPackets && conn.client !== null) return this.#sendPublishPacket(conn, session, out, packetFor(conn, out, packetId, dup, expirySeconds));
    const large = message.payload.length >= LARGE_WRITE_BYTES;
    if (large || expirySeconds !== 0 || (v5 && (out.subscriptionIds !== undefined || conn.outboundAliases !== null))) {
      const packet = packetFor(conn, out, packetId, dup, expirySeconds);
      if (large) {
        bytes = encodePublishHead(packet, v5 ? 5 : 4);
        payload = packet.payload;
      } else {
        bytes = encodePublish(packet, v5 ? 5 : 4);
      }
    } else {
      // Fast path: one encoding per (version family, QoS, retain) shared by all subscribers.
      const slot = encodingSlot(v5, qos, retain);
      let shared: Buffer | undefined;
      if (message.rawSlot === slot) {
        shared = message.raw!;
      } else {
        const cache = message.encoded; // present only during a fan-out (Router.route)
        shared = cache?.[slot];
        if (shared === undefined) {
          shared = encodePublish(toPacketWith(message, qos, retain, qos === 0 ? 0 : 1, false, v5 ? message.properties : EMPTY_PROPERTIES), v5 ? 5 : 4);
          if (cache !== undefined) cache[slot] = shared;
        }
      }
      if (qos === 0) {
        bytes = shared;
      } else {
        // Never mutate bytes another socket may still hold: copy, then patch the packet id and DUP.
        bytes = allocateBuffer(shared.length);
        shared.copy(bytes);
        const at = publishPacketIdOffset(bytes);
        bytes[at] = packetId >> 8;
        bytes[at + 1] = packetId & 0xff;
        if (dup) bytes[0] = bytes[0]! | DUP_FLAG;
      }
    }
    // [MQTT-3.1.2-25] never send a packet larger than the client's Maximum Packet Size: drop it.
    if (conn.clientMaximumPacketSize !== 0 && bytes.length + (payload === null ? 0 : payload.length) > conn.clientMaximumPacketSize) {
      this.drop(session, message, 'packet-too-large');
      return false;
    }
    if (payload === null) conn.write(bytes);
    else conn.writeParts(bytes, payload);
    this.#sent(conn, out, packetId);
    return true;
  }

  // The per-packet path when hooks watch outbound packets: onPacketEncode may replace it, onPacketSent hears of it.
  #sendPublishPacket(conn: Connection, session: Session, out: Outgoing, built: PublishPacket): boolean {
    const hooks = this.#ctx.hooks;
    const packet: Packet = hooks.onPacketEncode === null ? built : hooks.runOnPacketEncode(conn.client!, built);
    const bytes = encodePacket(packet, conn.version);
    // [MQTT-3.1.2-25] never send a packet larger than the client's Maximum Packet Size: drop it.
    if (conn.clientMaximumPacketSize !== 0 && bytes.length > conn.clientMaximumPacketSize) {
      this.drop(session, out.message, 'packet-too-large');
      return false;
    }
    conn.writePacket(bytes, packet);
    this.#sent(conn, out, built.packetId);
    return true;
  }

  #sent(conn: Connection, out: Outgoing, packetId: number): void {
    const stats = this.#ctx.stats;
    stats.messagesSent++;
    stats.publishSent++;
    stats.publishSentByQoS[out.qos]!++;
    const hooks = this.#ctx.hooks;
    const client = conn.client;
    if (client === null) return;
    if (hooks.onMessageDelivered !== null) hooks.notify('onMessageDelivered', client, toPacket(out.message, packetId));
    if (out.retainedBurst && hooks.onRetainedDelivered !== null) hooks.notify('onRetainedDelivered', client, toPacketWith(out.message, out.qos, true, packetId, false, out.message.properties));
  }
}

/** The DUP bit of a PUBLISH's first byte [MQTT-3.3.1-1]. */
const DUP_FLAG = 0x08;

// The PUBLISH one client gets when the shared encoding does not fit it: its own packet id and DUP, and for
// 5.0 the remaining expiry, its subscription identifiers and its outbound topic alias.
function packetFor(conn: Connection, out: Outgoing, packetId: number, dup: boolean, expirySeconds: number): PublishPacket {
  const { message, qos, retain, subscriptionIds } = out;
  if (conn.version !== 5) return toPacketWith(message, qos, retain, packetId, dup, EMPTY_PROPERTIES);
  let properties: Properties = message.properties;
  let topic = message.topic;
  if (subscriptionIds !== undefined || expirySeconds !== 0 || conn.outboundAliases !== null) {
    properties = { ...properties };
    // [MQTT-3.3.2-6] the remaining lifetime is forwarded, not the original interval.
    if (expirySeconds !== 0 && properties.messageExpiryInterval !== undefined) properties.messageExpiryInterval = expirySeconds;
    // [MQTT-3.3.4-3] every matching subscription identifier goes with the message.
    if (subscriptionIds !== undefined) properties.subscriptionIdentifiers = subscriptionIds;
    if (conn.outboundAliases !== null) {
      const { alias, existing } = conn.outboundAliases.aliasFor(topic);
      properties.topicAlias = alias;
      if (existing) topic = '';
    }
  }
  return { type: PacketType.PUBLISH, dup, qos, retain, topic, packetId, payload: message.payload, properties };
}

function deliverInline(ctx: BrokerContext, session: Session, out: Outgoing): void {
  const { message, subscriptionIds } = out;
  if (message.expiresAt !== 0 && message.expiresAt <= ctx.clock()) return;
  const properties = subscriptionIds === undefined ? message.properties : { ...message.properties, subscriptionIdentifiers: subscriptionIds };
  try {
    session.inlineHandler!({ topic: message.topic, payload: message.payload, qos: out.qos, retain: out.retain, properties, publisher: message.origin });
  } catch (err) {
    ctx.logger.error({ err, filter: session.clientId }, 'inline subscription handler threw');
  }
}

function toPacketWith(message: Message, qos: QoS, retain: boolean, packetId: number, dup: boolean, properties: Properties): PublishPacket {
  return { type: PacketType.PUBLISH, dup, qos, retain, topic: message.topic, packetId, payload: message.payload, properties };
}

/** The message as a PUBLISH packet, for hooks. */
export function toPacket(message: Message, packetId: number): PublishPacket {
  return toPacketWith(message, message.qos, message.retain, packetId, false, message.properties);
}
