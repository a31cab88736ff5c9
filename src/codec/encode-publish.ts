// PUBLISH encoder: the hot path of fan-out, so it computes the exact size once and writes into one allocation.
import { encodeProperties, propertiesLength } from './properties.js';
import { EMPTY_PROPERTIES } from './types.js';
import type { ProtocolVersion, PublishPacket } from './types.js';
import { utf8Length } from './utf8.js';
import { varintSize, writeString, writeVarint } from './writer.js';

/** Byte length of the encoded PUBLISH. */
export function publishLength(packet: PublishPacket, version: ProtocolVersion): number {
  let body = 2 + utf8Length(packet.topic) + packet.payload.length;
  if (packet.qos !== 0) body += 2;
  if (version === 5) {
    const pl = packet.properties === EMPTY_PROPERTIES ? 0 : propertiesLength(packet.properties);
    body += varintSize(pl) + pl;
  }
  return 1 + varintSize(body) + body;
}

/** Encodes a PUBLISH into one exactly sized Buffer; properties are written only for version 5. */
export function encodePublish(packet: PublishPacket, version: ProtocolVersion): Buffer {
  const topic = packet.topic;
  const topicLen = utf8Length(topic);
  const payload = packet.payload;
  const qos = packet.qos;
  let body = 2 + topicLen + payload.length;
  if (qos !== 0) body += 2;
  let pl = 0;
  if (version === 5) {
    pl = packet.properties === EMPTY_PROPERTIES ? 0 : propertiesLength(packet.properties);
    body += varintSize(pl) + pl;
  }
  const buf = Buffer.allocUnsafe(1 + varintSize(body) + body);
  buf[0] = 0x30 | (packet.dup ? 8 : 0) | (qos << 1) | (packet.retain ? 1 : 0);
  let off = body < 128 ? ((buf[1] = body), 2) : writeVarint(buf, 1, body);
  off = writeString(buf, off, topic, topicLen);
  if (qos !== 0) {
    buf[off] = packet.packetId >>> 8;
    buf[off + 1] = packet.packetId & 0xff;
    off += 2;
  }
  if (version === 5) {
    if (pl === 0) buf[off++] = 0;
    else off = encodeProperties(buf, off, packet.properties, pl);
  }
  payload.copy(buf, off);
  return buf;
}

/**
 * Byte offset of the packet identifier inside an encoded QoS > 0 PUBLISH, so fan-out can copy the shared bytes
 * and patch the id per subscriber (`buf.writeUInt16BE(id, offset)`).
 */
export function publishPacketIdOffset(encoded: Buffer): number {
  let pos = 1;
  while ((encoded[pos]! & 0x80) !== 0) pos++;
  pos++;
  const topicLen = (encoded[pos]! << 8) | encoded[pos + 1]!;
  return pos + 2 + topicLen;
}
