// UNSUBSCRIBE (section 3.10): packet identifier, properties, topic filters.
import { wireError } from './errors.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { ReasonCode } from './reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ProtocolVersion, UnsubscribePacket } from './types.js';
import { validatePacketId, validateTopicFilter } from './validate.js';

/** Decodes an UNSUBSCRIBE body; it must carry at least one filter [MQTT-3.10.3-2] (5.0: Protocol Error). */
export function decodeUnsubscribe(reader: Reader, _flags: number, version: ProtocolVersion): UnsubscribePacket {
  const packetId = reader.readUint16();
  validatePacketId(packetId, version);
  const properties = version === 5 ? decodeProperties(reader, PacketType.UNSUBSCRIBE) : EMPTY_PROPERTIES;
  const topics: string[] = [];
  while (reader.pos < reader.end) {
    const topic = reader.readString();
    validateTopicFilter(topic, version);
    topics.push(topic);
  }
  if (topics.length === 0) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'UNSUBSCRIBE without topic filters', 'MQTT-3.10.3-2');
  return { type: PacketType.UNSUBSCRIBE, packetId, topics, properties };
}
