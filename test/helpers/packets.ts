// Client-side packet builders with test defaults, for the raw client (test/helpers/raw-client.ts).
import { PacketType, EMPTY_PROPERTIES } from '../../src/index.js';
import type { ConnectPacket, Properties, ProtocolVersion, PublishPacket, QoS, SubscribePacket, SubscriptionRequest, UnsubscribePacket } from '../../src/index.js';

/** A subscription request: a plain filter (QoS 2, default options) or a filter with some options set. */
export type FilterSpec = string | (Partial<SubscriptionRequest> & { topic: string });

/** A CONNECT packet: clean start, keep-alive 60, no credentials or will, unless `extra` says otherwise. */
export function connectPacket(clientId: string, version: ProtocolVersion, extra: Partial<ConnectPacket> = {}): ConnectPacket {
  return {
    type: PacketType.CONNECT,
    protocolName: version === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: version,
    clean: true,
    keepAlive: 60,
    clientId,
    username: undefined,
    password: undefined,
    will: undefined,
    properties: {},
    ...extra,
  };
}

/** A PUBLISH packet (the packet id is 0 at QoS 0). */
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

/** A SUBSCRIBE packet for the given filters. */
export function subscribePacket(packetId: number, filters: FilterSpec[], properties: Properties = {}): SubscribePacket {
  return {
    type: PacketType.SUBSCRIBE,
    packetId,
    subscriptions: filters.map(subscriptionRequest),
    properties,
  };
}

/** One subscription request with default options (QoS 2 unless the spec says otherwise). */
export function subscriptionRequest(spec: FilterSpec): SubscriptionRequest {
  return { qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0, ...(typeof spec === 'string' ? { topic: spec } : spec) };
}

/** An UNSUBSCRIBE packet. */
export function unsubscribePacket(packetId: number, topics: string[]): UnsubscribePacket {
  return { type: PacketType.UNSUBSCRIBE, packetId, topics, properties: {} };
}
