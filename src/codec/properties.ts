// MQTT 5.0 properties (section 2.2.2.2, table 2-4): the table, decoding with its rules, and encoding.
import { ProtocolError, malformed, protocolError } from './errors.js';
import type { Reader } from './reader.js';
import { ReasonCode } from './reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { Properties, UserProperty } from './types.js';
import { utf8Length } from './utf8.js';
import { varintSize, writeString, writeUint16, writeUint32, writeVarint } from './writer.js';

/** Pseudo packet type for the Will Properties of a CONNECT (table 2-4 lists them as their own column). */
export const WILL_PROPERTIES = 0;

/** Wire data type of a property value. */
export type PropertyWireType = 'byte' | 'uint16' | 'uint32' | 'varint' | 'string' | 'binary' | 'string-pair';

/** One row of table 2-4. */
export interface PropertyInfo {
  readonly id: number;
  /** Key in the Properties object. */
  readonly name: keyof Properties;
  readonly wireType: PropertyWireType;
  /** Packet types the property may appear in; WILL_PROPERTIES (0) stands for the CONNECT will properties. */
  readonly packets: readonly (PacketType | typeof WILL_PROPERTIES)[];
}

const P = PacketType;
const W = WILL_PROPERTIES;

/** Table 2-4: every 5.0 property with its identifier, key, wire type and allowed packets. */
export const PROPERTY_TABLE: readonly PropertyInfo[] = [
  { id: 0x01, name: 'payloadFormatIndicator', wireType: 'byte', packets: [P.PUBLISH, W] },
  { id: 0x02, name: 'messageExpiryInterval', wireType: 'uint32', packets: [P.PUBLISH, W] },
  { id: 0x03, name: 'contentType', wireType: 'string', packets: [P.PUBLISH, W] },
  { id: 0x08, name: 'responseTopic', wireType: 'string', packets: [P.PUBLISH, W] },
  { id: 0x09, name: 'correlationData', wireType: 'binary', packets: [P.PUBLISH, W] },
  { id: 0x0b, name: 'subscriptionIdentifiers', wireType: 'varint', packets: [P.PUBLISH, P.SUBSCRIBE] },
  { id: 0x11, name: 'sessionExpiryInterval', wireType: 'uint32', packets: [P.CONNECT, P.CONNACK, P.DISCONNECT] },
  { id: 0x12, name: 'assignedClientIdentifier', wireType: 'string', packets: [P.CONNACK] },
  { id: 0x13, name: 'serverKeepAlive', wireType: 'uint16', packets: [P.CONNACK] },
  { id: 0x15, name: 'authenticationMethod', wireType: 'string', packets: [P.CONNECT, P.CONNACK, P.AUTH] },
  { id: 0x16, name: 'authenticationData', wireType: 'binary', packets: [P.CONNECT, P.CONNACK, P.AUTH] },
  { id: 0x17, name: 'requestProblemInformation', wireType: 'byte', packets: [P.CONNECT] },
  { id: 0x18, name: 'willDelayInterval', wireType: 'uint32', packets: [W] },
  { id: 0x19, name: 'requestResponseInformation', wireType: 'byte', packets: [P.CONNECT] },
  { id: 0x1a, name: 'responseInformation', wireType: 'string', packets: [P.CONNACK] },
  { id: 0x1c, name: 'serverReference', wireType: 'string', packets: [P.CONNACK, P.DISCONNECT] },
  {
    id: 0x1f,
    name: 'reasonString',
    wireType: 'string',
    packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.PUBREL, P.PUBCOMP, P.SUBACK, P.UNSUBACK, P.DISCONNECT, P.AUTH],
  },
  { id: 0x21, name: 'receiveMaximum', wireType: 'uint16', packets: [P.CONNECT, P.CONNACK] },
  { id: 0x22, name: 'topicAliasMaximum', wireType: 'uint16', packets: [P.CONNECT, P.CONNACK] },
  { id: 0x23, name: 'topicAlias', wireType: 'uint16', packets: [P.PUBLISH] },
  { id: 0x24, name: 'maximumQoS', wireType: 'byte', packets: [P.CONNACK] },
  { id: 0x25, name: 'retainAvailable', wireType: 'byte', packets: [P.CONNACK] },
  {
    id: 0x26,
    name: 'userProperties',
    wireType: 'string-pair',
    packets: [P.CONNECT, P.CONNACK, P.PUBLISH, W, P.PUBACK, P.PUBREC, P.PUBREL, P.PUBCOMP, P.SUBSCRIBE, P.SUBACK, P.UNSUBSCRIBE, P.UNSUBACK, P.DISCONNECT, P.AUTH],
  },
  { id: 0x27, name: 'maximumPacketSize', wireType: 'uint32', packets: [P.CONNECT, P.CONNACK] },
  { id: 0x28, name: 'wildcardSubscriptionAvailable', wireType: 'byte', packets: [P.CONNACK] },
  { id: 0x29, name: 'subscriptionIdentifiersAvailable', wireType: 'byte', packets: [P.CONNACK] },
  { id: 0x2a, name: 'sharedSubscriptionAvailable', wireType: 'byte', packets: [P.CONNACK] },
];

// Lookup structures built once: by identifier (array index) with a bit mask of allowed packets, and by key.
interface CompiledProperty {
  readonly info: PropertyInfo;
  readonly mask: number;
}
const byId: (CompiledProperty | undefined)[] = [];
const byName = new Map<string, PropertyInfo>();
for (const info of PROPERTY_TABLE) {
  let mask = 0;
  for (const p of info.packets) mask |= 1 << p;
  byId[info.id] = { info, mask };
  byName.set(info.name, info);
}

/** Properties whose value must be 0 or 1 (each says "It is a Protocol Error to include ... a value other than 0 or 1"). */
const BOOLEAN_BYTE = new Set<keyof Properties>([
  'payloadFormatIndicator',
  'requestProblemInformation',
  'requestResponseInformation',
  'maximumQoS',
  'retainAvailable',
  'wildcardSubscriptionAvailable',
  'subscriptionIdentifiersAvailable',
  'sharedSubscriptionAvailable',
]);

/** Checks one decoded value against the 5.0 rules for its property; throws the spec's reason code. */
export function validatePropertyValue(name: keyof Properties, value: number): void {
  if (BOOLEAN_BYTE.has(name)) {
    if (value !== 0 && value !== 1) throw protocolError(`${name} must be 0 or 1, got ${value}`);
    return;
  }
  if (value !== 0) return;
  if (name === 'receiveMaximum' || name === 'maximumPacketSize') throw protocolError(`${name} must not be 0`);
  if (name === 'subscriptionIdentifiers') throw protocolError('subscription identifier must not be 0');
  if (name === 'topicAlias') {
    // A Topic Alias of 0 is not permitted [MQTT-3.3.2-8]; 0x94 is the code named for an invalid alias.
    throw new ProtocolError(ReasonCode.TOPIC_ALIAS_INVALID, 'topic alias must not be 0', 'MQTT-3.3.2-8');
  }
}

/**
 * Reads a property block (length + properties) for `packetType` (or WILL_PROPERTIES). Returns EMPTY_PROPERTIES
 * when the block is empty. An identifier unknown or not allowed in the packet is a Malformed Packet (section 2.2.2.2);
 * a repeated property is a Protocol Error, except User Property (kept in order) and Subscription Identifier in PUBLISH.
 */
export function decodeProperties(reader: Reader, packetType: PacketType | typeof WILL_PROPERTIES): Properties {
  const len = reader.readVarint();
  if (len === 0) return EMPTY_PROPERTIES;
  const end = reader.pos + len;
  if (end > reader.end) throw malformed('property length runs past the end of the packet');
  const bit = 1 << packetType;
  const props: Properties = {};
  // Narrow the reader to the block so a property cannot read into the fields that follow it.
  const outerEnd = reader.end;
  reader.end = end;
  while (reader.pos < end) {
    const id = reader.readVarint();
    const entry = byId[id];
    if (entry === undefined) throw malformed(`unknown property identifier 0x${id.toString(16)}`);
    if ((entry.mask & bit) === 0) throw malformed(`property ${entry.info.name} is not allowed in this packet`);
    const name = entry.info.name;
    const wireType = entry.info.wireType;
    if (wireType === 'string-pair') {
      // User properties keep wire order and duplicates.
      const pair: UserProperty = [reader.readString(), reader.readString()];
      if (props.userProperties === undefined) props.userProperties = [pair];
      else props.userProperties.push(pair);
      continue;
    }
    if (wireType === 'varint') {
      const value = reader.readVarint();
      validatePropertyValue(name, value);
      if (props.subscriptionIdentifiers === undefined) props.subscriptionIdentifiers = [value];
      else if (packetType === PacketType.PUBLISH) props.subscriptionIdentifiers.push(value);
      else throw protocolError('subscription identifier included more than once');
      continue;
    }
    if (props[name] !== undefined) throw protocolError(`property ${name} included more than once`);
    if (wireType === 'string') {
      (props as Record<string, string>)[name] = reader.readString();
    } else if (wireType === 'binary') {
      (props as Record<string, Buffer>)[name] = reader.readBinary();
    } else {
      const value = wireType === 'byte' ? reader.readUint8() : wireType === 'uint16' ? reader.readUint16() : reader.readUint32();
      validatePropertyValue(name, value);
      (props as Record<string, number>)[name] = value;
    }
  }
  reader.end = outerEnd;
  return props;
}

/** Byte length of the encoded properties without their own length prefix. */
export function propertiesLength(props: Properties): number {
  if (props === EMPTY_PROPERTIES) return 0;
  let n = 0;
  for (const key in props) {
    const info = byName.get(key);
    const value = props[key as keyof Properties];
    if (info === undefined || value === undefined) continue;
    switch (info.wireType) {
      case 'byte':
        n += 2;
        break;
      case 'uint16':
        n += 3;
        break;
      case 'uint32':
        n += 5;
        break;
      case 'varint':
        for (const v of value as number[]) n += 1 + varintSize(v);
        break;
      case 'string':
        n += 3 + utf8Length(value as string);
        break;
      case 'binary':
        n += 3 + (value as Buffer).length;
        break;
      case 'string-pair':
        for (const [k, v] of value as UserProperty[]) n += 5 + utf8Length(k) + utf8Length(v);
        break;
    }
  }
  return n;
}

/** Writes the property length `len` (from propertiesLength) and the properties; returns the new offset. */
export function encodeProperties(buf: Buffer, off: number, props: Properties, len: number): number {
  off = writeVarint(buf, off, len);
  if (len === 0) return off;
  for (const key in props) {
    const info = byName.get(key);
    const value = props[key as keyof Properties];
    if (info === undefined || value === undefined) continue;
    const id = info.id;
    switch (info.wireType) {
      case 'byte':
        buf[off++] = id;
        buf[off++] = value as number;
        break;
      case 'uint16':
        buf[off++] = id;
        off = writeUint16(buf, off, value as number);
        break;
      case 'uint32':
        buf[off++] = id;
        off = writeUint32(buf, off, value as number);
        break;
      case 'varint':
        for (const v of value as number[]) {
          buf[off++] = id;
          off = writeVarint(buf, off, v);
        }
        break;
      case 'string':
        buf[off++] = id;
        off = writeString(buf, off, value as string, utf8Length(value as string));
        break;
      case 'binary': {
        const data = value as Buffer;
        buf[off++] = id;
        off = writeUint16(buf, off, data.length);
        data.copy(buf, off);
        off += data.length;
        break;
      }
      case 'string-pair':
        for (const [k, v] of value as UserProperty[]) {
          buf[off++] = id;
          off = writeString(buf, off, k, utf8Length(k));
          off = writeString(buf, off, v, utf8Length(v));
        }
        break;
    }
  }
  return off;
}
