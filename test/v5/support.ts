// Packet builders and raw-client helpers shared by the MQTT 5.0 feature tests.
import { PacketType, EMPTY_PROPERTIES } from '../../src/index.js';
import type { ConnectPacket, Packet, Properties, PublishPacket, QoS, SubscribePacket, SubscriptionRequest } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import type { ProtocolVersion } from '../../src/index.js';

/** A subscription request: a plain filter (QoS 2, default options) or a filter with options. */
export type FilterSpec = string | (Partial<SubscriptionRequest> & { topic: string });

/** A client-side PUBLISH packet. */
export function pub(topic: string, payload: string | Buffer, qos: QoS = 0, packetId = 0, extra: Partial<PublishPacket> = {}): PublishPacket {
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

/** A SUBSCRIBE packet. */
export function sub(packetId: number, filters: FilterSpec[], properties: Properties = {}): SubscribePacket {
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

/** Connects a raw client (5.0 unless told), checks CONNACK success, and optionally subscribes. */
export async function raw(
  port: number,
  clientId: string,
  filters: FilterSpec[] = [],
  extra: Partial<ConnectPacket> = {},
  version: ProtocolVersion = 5,
): Promise<RawClient> {
  const c = await RawClient.connect(port, version);
  const ack = await c.handshake(clientId, extra);
  if (ack.reasonCode !== 0) throw new Error(`CONNACK 0x${ack.reasonCode.toString(16)} for ${clientId}`);
  if (filters.length > 0) {
    c.send(sub(1, filters));
    await c.expect(PacketType.SUBACK);
  }
  return c;
}

/** Subscribes and returns the SUBACK reason codes. */
export async function subscribe(c: RawClient, packetId: number, filters: FilterSpec[], properties: Properties = {}): Promise<number[]> {
  c.send(sub(packetId, filters, properties));
  const ack = await c.expect(PacketType.SUBACK);
  return ack.reasonCodes;
}

/** Collects `count` PUBLISH packets (other packets are skipped). */
export async function publishes(c: RawClient, count: number, timeoutMs = 3000): Promise<PublishPacket[]> {
  const got: PublishPacket[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    const p = await c.next(Math.max(1, deadline - Date.now()));
    if (p === undefined) throw new Error(`closed after ${got.length} of ${count} PUBLISH`);
    if (p.type === PacketType.PUBLISH) got.push(p);
  }
  return got;
}

/** Waits for the server's DISCONNECT and the socket close; returns its reason code. */
export async function disconnected(c: RawClient, timeoutMs = 2000): Promise<number> {
  const p: Packet | undefined = await c.next(timeoutMs);
  if (p === undefined) throw new Error('closed without DISCONNECT');
  if (p.type !== PacketType.DISCONNECT) throw new Error(`expected DISCONNECT, got packet type ${p.type}`);
  await c.waitClosed(timeoutMs);
  return p.reasonCode;
}

/** Publishes at QoS 1 and returns the PUBACK reason code. */
export async function publish1(c: RawClient, topic: string, payload: string, packetId: number, extra: Partial<PublishPacket> = {}): Promise<number> {
  c.send(pub(topic, payload, 1, packetId, extra));
  const ack = await c.expect(PacketType.PUBACK);
  return ack.reasonCode;
}

/** Publishes at QoS 0 then round-trips a PINGREQ, so the broker has routed the message when it returns. */
export async function publish0(c: RawClient, topic: string, payload: string, extra: Partial<PublishPacket> = {}): Promise<void> {
  c.send(pub(topic, payload, 0, 0, extra));
  await ping(c);
}

/** PINGREQ → PINGRESP: everything sent before has been handled. */
export async function ping(c: RawClient): Promise<void> {
  c.send({ type: PacketType.PINGREQ });
  const held: Packet[] = [];
  for (;;) {
    const p = await c.next();
    if (p === undefined) throw new Error('closed while waiting for PINGRESP');
    if (p.type === PacketType.PINGRESP) break;
    held.push(p);
  }
  c.received.unshift(...held);
}

export { RawClient };
