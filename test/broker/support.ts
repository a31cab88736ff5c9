// Packet builders and small waits shared by the broker tests (raw client side).
import { PacketType, EMPTY_PROPERTIES } from '../../src/index.js';
import type { Properties, PublishPacket, QoS, SubscribePacket, SubscriptionRequest, UnsubscribePacket } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import type { ProtocolVersion, ConnectPacket } from '../../src/index.js';

/** A PUBLISH packet from the client side. */
export function publishPacket(topic: string, payload: string | Buffer, qos: QoS = 0, packetId = 0, extra: Partial<PublishPacket> = {}): PublishPacket {
  return {
    type: PacketType.PUBLISH,
    dup: false,
    qos,
    retain: false,
    topic,
    packetId: qos === 0 ? 0 : packetId,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    properties: EMPTY_PROPERTIES,
    ...extra,
  };
}

/** A SUBSCRIBE packet for the given filters (plain strings subscribe at QoS 2). */
export function subscribePacket(packetId: number, filters: (string | (Partial<SubscriptionRequest> & { topic: string }))[], properties: Properties = {}): SubscribePacket {
  return {
    type: PacketType.SUBSCRIBE,
    packetId,
    subscriptions: filters.map((f) => ({
      qos: 2,
      noLocal: false,
      retainAsPublished: false,
      retainHandling: 0 as const,
      ...(typeof f === 'string' ? { topic: f } : f),
    })),
    properties,
  };
}

/** An UNSUBSCRIBE packet. */
export function unsubscribePacket(packetId: number, topics: string[]): UnsubscribePacket {
  return { type: PacketType.UNSUBSCRIBE, packetId, topics, properties: {} };
}

/** Connects a raw client, completes CONNECT/CONNACK and optionally subscribes (waiting for SUBACK). */
export async function rawSession(
  port: number,
  version: ProtocolVersion,
  clientId: string,
  filters: (string | (Partial<SubscriptionRequest> & { topic: string }))[] = [],
  extra: Partial<ConnectPacket> = {},
): Promise<RawClient> {
  const c = await RawClient.connect(port, version);
  const ack = await c.handshake(clientId, extra);
  if (ack.reasonCode !== 0) throw new Error(`CONNACK ${ack.reasonCode} for ${clientId}`);
  if (filters.length > 0) {
    c.send(subscribePacket(1, filters));
    await c.expect(PacketType.SUBACK);
  }
  return c;
}

/** Publishes from a raw client at QoS 1 and waits for its PUBACK (returns the reason code). */
export async function publishQoS1(c: RawClient, topic: string, payload: string | Buffer, packetId: number, extra: Partial<PublishPacket> = {}): Promise<number> {
  c.send(publishPacket(topic, payload, 1, packetId, extra));
  const ack = await c.expect(PacketType.PUBACK);
  if (ack.packetId !== packetId) throw new Error(`PUBACK for ${ack.packetId}, expected ${packetId}`);
  return ack.reasonCode;
}

/** Collects the PUBLISH packets a raw client receives until `count` arrived (other packets are skipped). */
export async function receivePublishes(c: RawClient, count: number, timeoutMs = 3000): Promise<PublishPacket[]> {
  const got: PublishPacket[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    const p = await c.next(Math.max(1, deadline - Date.now()));
    if (p === undefined) throw new Error(`closed after ${got.length} of ${count} PUBLISH`);
    if (p.type === PacketType.PUBLISH) got.push(p);
  }
  return got;
}
