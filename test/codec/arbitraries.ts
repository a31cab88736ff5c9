// fast-check arbitraries for valid MQTT packets of every type and version, shared by the property and
// differential tests. "Valid" means what the codec accepts on decode: topic names without wildcards,
// non-empty topics and filters, no U+0000, packet ids 1..65535, and 5.0 properties allowed in the packet
// with values inside their ranges (booleans 0/1, no zero receive maximum, topic alias, packet size or
// subscription identifier), user properties possibly repeating names.
import fc from 'fast-check';
import { PROPERTY_TABLE, WILL_PROPERTIES } from '../../src/codec/properties.js';
import { REASON_CODE_TABLE } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type {
  AuthPacket,
  ConnackPacket,
  ConnectPacket,
  DisconnectPacket,
  Packet,
  PingreqPacket,
  PingrespPacket,
  Properties,
  ProtocolVersion,
  PublishPacket,
  QoS,
  SubackPacket,
  SubscribePacket,
  SubscriptionRequest,
  UnsubackPacket,
  UnsubscribePacket,
  UserProperty,
  Will,
} from '../../src/codec/types.js';

/** Knobs that let a caller narrow generation (the differential tests use them to avoid mqtt-packet gaps). */
export interface ArbitraryOptions {
  /** Property keys never to generate. */
  excludeProperties?: readonly (keyof Properties)[];
  /** Longest string in characters; default 12. */
  maxStringLength?: number;
  /** Longest payload in bytes; default 64. */
  maxPayloadLength?: number;
}

// fast-check builds records without a prototype; packets from the decoder are plain objects.
function plainRecord<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model).map((o) => ({ ...o }));
}

/** Protocol versions in the order the tests walk them. */
export const VERSIONS: readonly ProtocolVersion[] = [3, 4, 5];

/** Any UTF-8 string the codec accepts: whole code points (no lone surrogates) and no U+0000. */
export function arbitraryUtf8(minLength = 0, maxLength = 12): fc.Arbitrary<string> {
  return fc.string({ unit: 'binary', minLength, maxLength }).filter((s) => !s.includes('\u0000'));
}

/** A topic name: non-empty, no wildcards. */
export function arbitraryTopicName(maxLength = 12): fc.Arbitrary<string> {
  const level = fc.oneof(
    fc.constantFrom('a', 'b', 'sensors', 'x y', '$SYS', 'é', '😀'),
    arbitraryUtf8(0, 6).map((s) => s.replace(/[+#/]/g, '')),
  );
  return fc
    .array(level, { minLength: 1, maxLength: 4 })
    .map((levels) => levels.join('/'))
    .filter((t) => t.length > 0 && t.length <= maxLength * 4);
}

/** A topic filter: non-empty; wildcards where the spec allows them. */
export function arbitraryTopicFilter(): fc.Arbitrary<string> {
  const level = fc.oneof(fc.constant('+'), arbitraryTopicName(6).map((t) => t.split('/')[0] ?? 'a'));
  return fc
    .tuple(fc.array(level, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
    .filter((f) => f.length > 0);
}

/** A packet identifier 1..65535 [MQTT-2.2.1-3]. */
export const arbitraryPacketId: fc.Arbitrary<number> = fc.integer({ min: 1, max: 65535 });

const arbitraryQoS: fc.Arbitrary<QoS> = fc.constantFrom<QoS>(0, 1, 2);
const arbitraryBytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

function arbitraryUserProperties(o: ArbitraryOptions): fc.Arbitrary<UserProperty[]> {
  const name = fc.oneof(fc.constant('k'), arbitraryUtf8(0, o.maxStringLength ?? 12));
  const pair = fc.tuple(name, arbitraryUtf8(0, o.maxStringLength ?? 12)).map(([k, v]): UserProperty => [k, v]);
  return fc.array(pair, { minLength: 1, maxLength: 4 });
}

// The value arbitrary of one property, from its wire type and the rules on its value.
function arbitraryPropertyValue(name: keyof Properties, wireType: string, target: number, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const str = o.maxStringLength ?? 12;
  if (name === 'receiveMaximum' || name === 'topicAlias') return fc.integer({ min: 1, max: 65535 });
  if (name === 'maximumPacketSize') return fc.integer({ min: 1, max: 0xffffffff });
  if (name === 'subscriptionIdentifiers') {
    return fc.array(fc.integer({ min: 1, max: 268435455 }), { minLength: 1, maxLength: target === PacketType.SUBSCRIBE ? 1 : 3 });
  }
  if (name === 'userProperties') return arbitraryUserProperties(o);
  if (name === 'responseTopic') return arbitraryTopicName(str);
  switch (wireType) {
    case 'byte':
      return fc.constantFrom(0, 1);
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'string':
      return arbitraryUtf8(0, str);
    case 'binary':
      return arbitraryBytes(16);
    default:
      throw new Error(`no arbitrary for ${name} (${wireType})`);
  }
}

/** A valid 5.0 property set for a packet type (or WILL_PROPERTIES); often empty. */
export function arbitraryProperties(target: number, o: ArbitraryOptions = {}): fc.Arbitrary<Properties> {
  const excluded = new Set(o.excludeProperties ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const info of PROPERTY_TABLE) {
    if (!(info.packets as readonly number[]).includes(target) || excluded.has(info.name)) continue;
    model[info.name] = arbitraryPropertyValue(info.name, info.wireType, target, o);
  }
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 3, arbitrary: fc.record(model, { requiredKeys: [] }).map((o) => ({ ...o })) },
  );
}

function propsFor(version: ProtocolVersion, target: number, o: ArbitraryOptions): fc.Arbitrary<Properties> {
  return version === 5 ? arbitraryProperties(target, o) : fc.constant(EMPTY_PROPERTIES);
}

// 5.0 reason codes table 2-6 allows in a packet type.
function reasonCodesOf(type: PacketType): number[] {
  return [...new Set(REASON_CODE_TABLE.filter((r) => r.packets.includes(type)).map((r) => r.code))];
}

function arbitraryWill(version: ProtocolVersion, o: ArbitraryOptions): fc.Arbitrary<Will> {
  return plainRecord({
    topic: arbitraryTopicName(o.maxStringLength ?? 12),
    payload: arbitraryBytes(o.maxPayloadLength ?? 64),
    qos: arbitraryQoS,
    retain: fc.boolean(),
    properties: propsFor(version, WILL_PROPERTIES, o),
  });
}

/** A CONNECT; in 3.x a password needs a user name [MQTT-3.1.2-22]. */
export function arbitraryConnect(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<ConnectPacket> {
  const str = o.maxStringLength ?? 12;
  return fc
    .record({
      clean: fc.boolean(),
      keepAlive: fc.integer({ min: 0, max: 65535 }),
      clientId: arbitraryUtf8(0, 23),
      username: fc.option(arbitraryUtf8(0, str), { nil: undefined }),
      password: fc.option(arbitraryBytes(16), { nil: undefined }),
      will: fc.option(arbitraryWill(version, o), { nil: undefined }),
      properties: propsFor(version, PacketType.CONNECT, o),
    })
    .map((f) => ({
      type: PacketType.CONNECT,
      protocolName: version === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: version,
      ...f,
      password: version !== 5 && f.username === undefined ? undefined : f.password,
    }));
}

/** A CONNACK; Session Present only with success [MQTT-3.2.2-4] [MQTT-3.2.2-6], never in 3.1. */
export function arbitraryConnack(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<ConnackPacket> {
  const codes = version === 5 ? reasonCodesOf(PacketType.CONNACK) : [0, 1, 2, 3, 4, 5];
  return fc
    .record({ sessionPresent: fc.boolean(), reasonCode: fc.constantFrom(...codes), properties: propsFor(version, PacketType.CONNACK, o) })
    .map((f) => ({ type: PacketType.CONNACK, ...f, sessionPresent: version !== 3 && f.reasonCode === 0 && f.sessionPresent }));
}

/** A PUBLISH; DUP only above QoS 0, packet id only above QoS 0, an empty topic only with a 5.0 topic alias. */
export function arbitraryPublish(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<PublishPacket> {
  return fc
    .record({
      qos: arbitraryQoS,
      dup: fc.boolean(),
      retain: fc.boolean(),
      topic: arbitraryTopicName(o.maxStringLength ?? 12),
      dropTopic: fc.boolean(),
      packetId: arbitraryPacketId,
      payload: arbitraryBytes(o.maxPayloadLength ?? 64),
      text: arbitraryUtf8(0, 16),
      properties: propsFor(version, PacketType.PUBLISH, o),
    })
    .map((f) => ({
      type: PacketType.PUBLISH,
      dup: f.qos > 0 && f.dup,
      qos: f.qos,
      retain: f.retain,
      topic: f.dropTopic && f.properties.topicAlias !== undefined ? '' : f.topic,
      packetId: f.qos > 0 ? f.packetId : 0,
      // A payload declared UTF-8 (indicator 1) is UTF-8, so a receiver checking it stays happy.
      payload: f.properties.payloadFormatIndicator === 1 ? Buffer.from(f.text) : f.payload,
      properties: f.properties,
    }));
}

/** A PUBACK, PUBREC, PUBREL or PUBCOMP. */
export function arbitraryAck(
  type: typeof PacketType.PUBACK | typeof PacketType.PUBREC | typeof PacketType.PUBREL | typeof PacketType.PUBCOMP,
  version: ProtocolVersion,
  o: ArbitraryOptions = {},
): fc.Arbitrary<Packet> {
  const codes = version === 5 ? reasonCodesOf(type) : [0];
  return fc
    .record({ packetId: arbitraryPacketId, reasonCode: fc.constantFrom(...codes), properties: propsFor(version, type, o) })
    .map((f) => ({ type, ...f }));
}

/** A SUBSCRIBE with 1-5 filters; 5.0 options only in 5.0. */
export function arbitrarySubscribe(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<SubscribePacket> {
  const request: fc.Arbitrary<SubscriptionRequest> =
    version === 5
      ? plainRecord({
          topic: arbitraryTopicFilter(),
          qos: arbitraryQoS,
          noLocal: fc.boolean(),
          retainAsPublished: fc.boolean(),
          retainHandling: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
        })
      : plainRecord({
          topic: arbitraryTopicFilter(),
          qos: arbitraryQoS,
          noLocal: fc.constant(false),
          retainAsPublished: fc.constant(false),
          retainHandling: fc.constant<0>(0),
        });
  return fc
    .record({ packetId: arbitraryPacketId, subscriptions: fc.array(request, { minLength: 1, maxLength: 5 }), properties: propsFor(version, PacketType.SUBSCRIBE, o) })
    .map((f) => ({ type: PacketType.SUBSCRIBE, ...f }));
}

/** A SUBACK with 1-5 codes: granted QoS or failure (3.1 has no failure code). */
export function arbitrarySuback(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<SubackPacket> {
  const codes = version === 5 ? reasonCodesOf(PacketType.SUBACK) : version === 4 ? [0, 1, 2, 0x80] : [0, 1, 2];
  return fc
    .record({ packetId: arbitraryPacketId, reasonCodes: fc.array(fc.constantFrom(...codes), { minLength: 1, maxLength: 5 }), properties: propsFor(version, PacketType.SUBACK, o) })
    .map((f) => ({ type: PacketType.SUBACK, ...f }));
}

/** An UNSUBSCRIBE with 1-5 filters. */
export function arbitraryUnsubscribe(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<UnsubscribePacket> {
  return fc
    .record({ packetId: arbitraryPacketId, topics: fc.array(arbitraryTopicFilter(), { minLength: 1, maxLength: 5 }), properties: propsFor(version, PacketType.UNSUBSCRIBE, o) })
    .map((f) => ({ type: PacketType.UNSUBSCRIBE, ...f }));
}

/** An UNSUBACK: 1-5 reason codes in 5.0, none in 3.x. */
export function arbitraryUnsuback(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<UnsubackPacket> {
  const codes: fc.Arbitrary<number[]> =
    version === 5 ? fc.array(fc.constantFrom(...reasonCodesOf(PacketType.UNSUBACK)), { minLength: 1, maxLength: 5 }) : fc.constant([]);
  return fc
    .record({ packetId: arbitraryPacketId, reasonCodes: codes, properties: propsFor(version, PacketType.UNSUBACK, o) })
    .map((f) => ({ type: PacketType.UNSUBACK, ...f }));
}

/** A DISCONNECT: reason code and properties in 5.0 only. */
export function arbitraryDisconnect(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<DisconnectPacket> {
  const codes = version === 5 ? reasonCodesOf(PacketType.DISCONNECT) : [0];
  return fc
    .record({ reasonCode: fc.constantFrom(...codes), properties: propsFor(version, PacketType.DISCONNECT, o) })
    .map((f) => ({ type: PacketType.DISCONNECT, ...f }));
}

/** An AUTH (5.0 only). */
export function arbitraryAuth(o: ArbitraryOptions = {}): fc.Arbitrary<AuthPacket> {
  return fc
    .record({ reasonCode: fc.constantFrom(...reasonCodesOf(PacketType.AUTH)), properties: arbitraryProperties(PacketType.AUTH, o) })
    .map((f) => ({ type: PacketType.AUTH, ...f }));
}

const pingreq: PingreqPacket = { type: PacketType.PINGREQ };
const pingresp: PingrespPacket = { type: PacketType.PINGRESP };

/** Packet types that exist in a version (AUTH only in 5.0). */
export function packetTypesOf(version: ProtocolVersion): PacketType[] {
  return Object.values(PacketType).filter((t) => t !== PacketType.AUTH || version === 5);
}

/** A valid packet of one type and version. */
export function arbitraryPacketOfType(type: PacketType, version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<Packet> {
  switch (type) {
    case PacketType.CONNECT:
      return arbitraryConnect(version, o);
    case PacketType.CONNACK:
      return arbitraryConnack(version, o);
    case PacketType.PUBLISH:
      return arbitraryPublish(version, o);
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      return arbitraryAck(type, version, o);
    case PacketType.SUBSCRIBE:
      return arbitrarySubscribe(version, o);
    case PacketType.SUBACK:
      return arbitrarySuback(version, o);
    case PacketType.UNSUBSCRIBE:
      return arbitraryUnsubscribe(version, o);
    case PacketType.UNSUBACK:
      return arbitraryUnsuback(version, o);
    case PacketType.PINGREQ:
      return fc.constant(pingreq);
    case PacketType.PINGRESP:
      return fc.constant(pingresp);
    case PacketType.DISCONNECT:
      return arbitraryDisconnect(version, o);
    case PacketType.AUTH:
      if (version !== 5) throw new Error('AUTH exists only in 5.0');
      return arbitraryAuth(o);
  }
}

/** A valid packet of any type that exists in `version`. */
export function arbitraryPacket(version: ProtocolVersion, o: ArbitraryOptions = {}): fc.Arbitrary<Packet> {
  return fc.oneof(...packetTypesOf(version).map((t) => arbitraryPacketOfType(t, version, o)));
}

/** Cuts a buffer into chunks at random positions (for feeding the streaming parser). */
export function arbitraryChunking(bytes: Buffer): fc.Arbitrary<Buffer[]> {
  return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 6 }).map((cuts) => {
    const points = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length];
    const chunks: Buffer[] = [];
    for (let i = 1; i < points.length; i++) chunks.push(bytes.subarray(points[i - 1], points[i]));
    return chunks;
  });
}
