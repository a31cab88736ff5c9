// Differential tests against mqtt-packet (the ecosystem's codec, a dev dependency only): for generated valid
// 3.1.1 and 5.0 packets, mqtt-packet's generate() output decodes through our parser to the same packet, and
// our encodePacket() output parses in mqtt-packet to the same packet.
// Glossary: "mp" = mqtt-packet; an "mp object" is its `{ cmd, ... }` packet shape; "canonical" = our packet
// with user properties grouped by name (mp keeps them in an object, so only the order within a name survives).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as mp from 'mqtt-packet';
import { encodePacket } from '../../src/codec/encode.js';
import { Parser } from '../../src/codec/parser.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { Packet, Properties, ProtocolVersion, QoS, UserProperty } from '../../src/codec/types.js';
import { arbitraryPacketOfType, packetTypesOf } from './arbitraries.js';

const RUNS = 80;

// mp object: loosely typed on purpose, this is the boundary to mqtt-packet's own loose shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mp packets are heterogeneous records
type MpObject = Record<string, any>;

const CMD: Record<number, string> = {
  1: 'connect', 2: 'connack', 3: 'publish', 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp', 8: 'subscribe',
  9: 'suback', 10: 'unsubscribe', 11: 'unsuback', 12: 'pingreq', 13: 'pingresp', 14: 'disconnect', 15: 'auth',
};
const TYPE_OF_CMD: Record<string, PacketType> = Object.fromEntries(Object.entries(CMD).map(([t, c]) => [c, Number(t) as PacketType]));

// Byte properties that mp represents as booleans.
const BOOLEAN_PROPERTIES: readonly (keyof Properties)[] = [
  'payloadFormatIndicator', 'requestProblemInformation', 'requestResponseInformation', 'retainAvailable',
  'wildcardSubscriptionAvailable', 'subscriptionIdentifiersAvailable', 'sharedSubscriptionAvailable',
];

function toMpProperties(p: Properties, type: PacketType): MpObject {
  const out: MpObject = {};
  for (const [key, value] of Object.entries(p) as [keyof Properties, unknown][]) {
    if (BOOLEAN_PROPERTIES.includes(key)) out[key] = value === 1;
    else if (key === 'userProperties') {
      const grouped: Record<string, string | string[]> = {};
      for (const [name, v] of value as UserProperty[]) {
        const prev = grouped[name];
        grouped[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      out.userProperties = grouped;
    } else if (key === 'subscriptionIdentifiers') {
      const ids = value as number[];
      out.subscriptionIdentifier = type === PacketType.SUBSCRIBE || ids.length === 1 ? ids[0] : ids;
    } else out[key] = value;
  }
  return out;
}

function fromMpProperties(o: MpObject | undefined, version: ProtocolVersion): Properties {
  if (version !== 5) return EMPTY_PROPERTIES;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o ?? {})) {
    if (BOOLEAN_PROPERTIES.includes(key as keyof Properties)) out[key] = value === true ? 1 : 0;
    else if (key === 'userProperties') {
      const pairs: UserProperty[] = [];
      for (const [name, v] of Object.entries(value as Record<string, string | string[]>)) {
        for (const one of Array.isArray(v) ? v : [v]) pairs.push([name, one]);
      }
      out.userProperties = pairs;
    } else if (key === 'subscriptionIdentifier') out.subscriptionIdentifiers = Array.isArray(value) ? value : [value];
    else out[key] = value;
  }
  return out;
}

/** Our packet as an mp object (test-only mapping). */
function toMp(p: Packet, version: ProtocolVersion): MpObject {
  const cmd = CMD[p.type];
  switch (p.type) {
    case PacketType.CONNECT: {
      const o: MpObject = { cmd, protocolId: p.protocolName, protocolVersion: p.protocolVersion, clean: p.clean, keepalive: p.keepAlive, clientId: p.clientId };
      if (p.username !== undefined) o.username = p.username;
      if (p.password !== undefined) o.password = p.password;
      if (p.will !== undefined) {
        o.will = { topic: p.will.topic, payload: p.will.payload, qos: p.will.qos, retain: p.will.retain };
        if (version === 5) o.will.properties = toMpProperties(p.will.properties, PacketType.CONNECT);
      }
      if (version === 5) o.properties = toMpProperties(p.properties, p.type);
      return o;
    }
    case PacketType.CONNACK:
      return version === 5
        ? { cmd, sessionPresent: p.sessionPresent, reasonCode: p.reasonCode, properties: toMpProperties(p.properties, p.type) }
        : { cmd, sessionPresent: p.sessionPresent, returnCode: p.reasonCode };
    case PacketType.PUBLISH:
      return { cmd, topic: p.topic, payload: p.payload, qos: p.qos, dup: p.dup, retain: p.retain, ...(p.qos > 0 ? { messageId: p.packetId } : {}), properties: toMpProperties(p.properties, p.type) };
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      return { cmd, messageId: p.packetId, reasonCode: p.reasonCode, properties: toMpProperties(p.properties, p.type) };
    case PacketType.SUBSCRIBE:
      return {
        cmd,
        messageId: p.packetId,
        subscriptions: p.subscriptions.map((s) => (version === 5 ? { topic: s.topic, qos: s.qos, nl: s.noLocal, rap: s.retainAsPublished, rh: s.retainHandling } : { topic: s.topic, qos: s.qos })),
        properties: toMpProperties(p.properties, p.type),
      };
    case PacketType.SUBACK:
      return { cmd, messageId: p.packetId, granted: p.reasonCodes, properties: toMpProperties(p.properties, p.type) };
    case PacketType.UNSUBSCRIBE:
      return { cmd, messageId: p.packetId, unsubscriptions: p.topics, properties: toMpProperties(p.properties, p.type) };
    case PacketType.UNSUBACK:
      return { cmd, messageId: p.packetId, ...(version === 5 ? { granted: p.reasonCodes } : {}), properties: toMpProperties(p.properties, p.type) };
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return { cmd };
    case PacketType.DISCONNECT:
    case PacketType.AUTH:
      return { cmd, reasonCode: p.reasonCode, properties: toMpProperties(p.properties, p.type) };
  }
}

/** An mp object as our packet (test-only mapping). */
function fromMp(o: MpObject, version: ProtocolVersion): Packet {
  const type = TYPE_OF_CMD[o.cmd as string];
  if (type === undefined) throw new Error(`unknown mp cmd ${String(o.cmd)}`);
  const props = fromMpProperties(o.properties as MpObject | undefined, version);
  switch (type) {
    case PacketType.CONNECT:
      return {
        type,
        protocolName: o.protocolId,
        protocolVersion: o.protocolVersion,
        clean: o.clean,
        keepAlive: o.keepalive,
        clientId: o.clientId,
        username: o.username ?? undefined,
        password: o.password ?? undefined,
        will:
          o.will === undefined || o.will === null
            ? undefined
            : { topic: o.will.topic, payload: o.will.payload, qos: o.will.qos, retain: o.will.retain, properties: fromMpProperties(o.will.properties, version) },
        properties: props,
      };
    case PacketType.CONNACK:
      return { type, sessionPresent: o.sessionPresent, reasonCode: version === 5 ? o.reasonCode : o.returnCode, properties: props };
    case PacketType.PUBLISH:
      return { type, dup: o.dup, qos: o.qos as QoS, retain: o.retain, topic: o.topic, packetId: o.messageId ?? 0, payload: o.payload, properties: props };
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      return { type, packetId: o.messageId, reasonCode: o.reasonCode ?? 0, properties: props };
    case PacketType.SUBSCRIBE:
      return {
        type,
        packetId: o.messageId,
        subscriptions: (o.subscriptions as MpObject[]).map((s) => ({ topic: s.topic, qos: s.qos, noLocal: s.nl ?? false, retainAsPublished: s.rap ?? false, retainHandling: s.rh ?? 0 })),
        properties: props,
      };
    case PacketType.SUBACK:
      return { type, packetId: o.messageId, reasonCodes: o.granted, properties: props };
    case PacketType.UNSUBSCRIBE:
      return { type, packetId: o.messageId, topics: o.unsubscriptions, properties: props };
    case PacketType.UNSUBACK:
      return { type, packetId: o.messageId, reasonCodes: version === 5 ? o.granted : [], properties: props };
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return { type };
    case PacketType.DISCONNECT:
    case PacketType.AUTH:
      return { type, reasonCode: o.reasonCode ?? 0, properties: props };
  }
}

// User properties grouped by name (stable), the only order both codecs keep.
function canonicalProps(p: Properties): Properties {
  if (p.userProperties === undefined) return { ...p };
  const byName = new Map<string, UserProperty[]>();
  for (const pair of p.userProperties) byName.set(pair[0], [...(byName.get(pair[0]) ?? []), pair]);
  const names = [...byName.keys()].sort();
  return { ...p, userProperties: names.flatMap((n) => byName.get(n) ?? []) };
}

function canonical(p: Packet): unknown {
  const c: Record<string, unknown> = { ...p };
  if ('properties' in p) c.properties = canonicalProps(p.properties);
  if (p.type === PacketType.CONNECT && p.will !== undefined) c.will = { ...p.will, properties: canonicalProps(p.will.properties) };
  return c;
}

function mpParse(bytes: Buffer, version: ProtocolVersion): MpObject[] {
  const parser = mp.parser({ protocolVersion: version });
  const out: MpObject[] = [];
  parser.on('packet', (x: MpObject) => out.push(x));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  return out;
}

function ourParse(bytes: Buffer, version: ProtocolVersion): Packet[] {
  const out: Packet[] = [];
  const parser = new Parser({
    onPacket: (p) => out.push(p),
    onError: (e) => {
      throw e;
    },
    protocolVersion: version,
  });
  parser.push(bytes);
  return out;
}

// Where mqtt-packet deviates from the spec, the generated packet is skipped (fc.pre) with the reason:
function mpCanRepresent(p: Packet, version: ProtocolVersion): boolean {
  // mp refuses a password without a user name even in 5.0, where [MQTT-3.1.2-19] allows it.
  if (p.type === PacketType.CONNECT && p.username === undefined && p.password !== undefined) return false;
  // mp cannot parse AUTH with remaining length 0 (success, no properties), which 5.0 section 3.15.2.1 allows.
  if (p.type === PacketType.AUTH && p.reasonCode === 0 && Object.keys(p.properties).length === 0) return false;
  // mp's generate() refuses an empty client id with clean session 0; 3.1.1 leaves that to the server (CONNACK 0x02).
  if (p.type === PacketType.CONNECT && p.clientId === '' && !p.clean) return false;
  // mp's DISCONNECT reason list lacks 0x8C (Bad authentication method), which table 2-6 allows there.
  if (p.type === PacketType.DISCONNECT && p.reasonCode === 0x8c) return false;
  const props: Properties[] = 'properties' in p ? [p.properties] : [];
  if (p.type === PacketType.CONNECT && p.will !== undefined) props.push(p.will.properties);
  for (const x of props) if (!mpCanRepresentUserProperties(x.userProperties ?? [])) return false;
  return version === 4 || version === 5;
}

// mp keeps user properties in a plain object: names inherited from Object.prototype ("__proto__", "toString")
// are not usable keys, and a repeated name whose first value is "" loses that value (mp tests truthiness).
function mpCanRepresentUserProperties(pairs: readonly UserProperty[]): boolean {
  for (const [name, value] of pairs) {
    if (name in Object.prototype) return false;
    if (value === '' && pairs.filter(([n]) => n === name).length > 1) return false;
  }
  return true;
}

describe('differential against mqtt-packet', () => {
  for (const version of [4, 5] as const) {
    for (const type of packetTypesOf(version)) {
      test(`${CMD[type]} v${version}: mqtt-packet generate() → our parser`, () => {
        fc.assert(
          fc.property(arbitraryPacketOfType(type, version), (packet) => {
            fc.pre(mpCanRepresent(packet, version));
            const bytes = mp.generate(toMp(packet, version) as mp.Packet, { protocolVersion: version });
            const ours = ourParse(bytes, version);
            assert.equal(ours.length, 1);
            assert.deepStrictEqual(canonical(ours[0]!), canonical(packet));
          }),
          { numRuns: RUNS },
        );
      });
      test(`${CMD[type]} v${version}: our encodePacket() → mqtt-packet parser`, () => {
        fc.assert(
          fc.property(arbitraryPacketOfType(type, version), (packet) => {
            fc.pre(mpCanRepresent(packet, version));
            const parsed = mpParse(encodePacket(packet, version), version);
            assert.equal(parsed.length, 1);
            assert.deepStrictEqual(canonical(fromMp(parsed[0]!, version)), canonical(packet));
          }),
          { numRuns: RUNS },
        );
      });
    }
  }
});
