// PUBLISH (section 3.3): topic name, packet identifier for QoS > 0, properties, payload.
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ProtocolVersion, PublishPacket, QoS } from './types.js';
import { validatePacketId, validatePublishTopic } from './validate.js';

/**
 * Decodes a PUBLISH body; flags were validated with the fixed header. Allocates only the packet object,
 * the topic string, the payload view and (5.0, when present) the properties.
 */
export function decodePublish(reader: Reader, flags: number, version: ProtocolVersion): PublishPacket {
  const qos = ((flags >> 1) & 3) as QoS;
  const topic = reader.readTopic(reader.previousTopic);
  const reused = reader.topicReused;
  let packetId = 0;
  if (qos !== 0) {
    packetId = reader.readUint16();
    validatePacketId(packetId, version);
  }
  const properties = version === 5 ? decodeProperties(reader, PacketType.PUBLISH) : EMPTY_PROPERTIES;
  // A reused topic string passed this check when it was first decoded on this stream.
  if (!reused || topic.length === 0) validatePublishTopic(topic, version, properties.topicAlias !== undefined);
  return {
    type: PacketType.PUBLISH,
    dup: (flags & 8) !== 0,
    qos,
    retain: (flags & 1) !== 0,
    topic,
    packetId,
    payload: reader.readRest(),
    properties,
  };
}
