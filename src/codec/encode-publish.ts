// PUBLISH encoder: the hot path of fan-out, so it computes the exact size once and writes into one allocation
// (or, for large payloads, encodes only the head and leaves the payload where it is).
import { encodeProperties, propertiesLength } from './properties.js';
import { EMPTY_PROPERTIES } from './types.js';
import type { ProtocolVersion, PublishPacket } from './types.js';
import { utf8Length } from './utf8.js';
import { varintSize, writeString, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

/** Byte length of the encoded PUBLISH. */
export function publishLength(packet: PublishPacket, version: ProtocolVersion): number {
  const pl = version === 5 && packet.properties !== EMPTY_PROPERTIES ? propertiesLength(packet.properties) : 0;
  const body = publishBodyLength(packet, version, utf8Length(packet.topic), pl);
  return 1 + varintSize(body) + body;
}

/** Encodes a PUBLISH into one exactly sized Buffer; properties are written only for version 5. */
export function encodePublish(packet: PublishPacket, version: ProtocolVersion): Buffer {
  const topicLen = utf8Length(packet.topic);
  const pl = version === 5 && packet.properties !== EMPTY_PROPERTIES ? propertiesLength(packet.properties) : 0;
  const body = publishBodyLength(packet, version, topicLen, pl);
  const buf = allocateBuffer(1 + varintSize(body) + body);
  const off = writePublishHead(buf, packet, version, topicLen, pl, body);
  packet.payload.copy(buf, off);
  return buf;
}

/**
 * Encodes everything of a PUBLISH but its payload (the remaining length counts the payload): the head and the
 * payload written one after the other are the packet. Large payloads go out this way, without being copied.
 */
export function encodePublishHead(packet: PublishPacket, version: ProtocolVersion): Buffer {
  const topicLen = utf8Length(packet.topic);
  const pl = version === 5 && packet.properties !== EMPTY_PROPERTIES ? propertiesLength(packet.properties) : 0;
  const body = publishBodyLength(packet, version, topicLen, pl);
  const buf = allocateBuffer(1 + varintSize(body) + body - packet.payload.length);
  writePublishHead(buf, packet, version, topicLen, pl, body);
  return buf;
}

function publishBodyLength(packet: PublishPacket, version: ProtocolVersion, topicLen: number, pl: number): number {
  let body = 2 + topicLen + packet.payload.length;
  if (packet.qos !== 0) body += 2;
  if (version === 5) body += varintSize(pl) + pl;
  return body;
}

// Writes the fixed header, topic, packet id and (5.0) properties; returns where the payload starts.
function writePublishHead(buf: Buffer, packet: PublishPacket, version: ProtocolVersion, topicLen: number, pl: number, body: number): number {
  const qos = packet.qos;
  buf[0] = 0x30 | (packet.dup ? 8 : 0) | (qos << 1) | (packet.retain ? 1 : 0);
  let off = body < 128 ? ((buf[1] = body), 2) : writeVarint(buf, 1, body);
  off = writeString(buf, off, packet.topic, topicLen);
  if (qos !== 0) {
    buf[off] = packet.packetId >>> 8;
    buf[off + 1] = packet.packetId & 0xff;
    off += 2;
  }
  if (version === 5) {
    if (pl === 0) buf[off++] = 0;
    else off = encodeProperties(buf, off, packet.properties, pl);
  }
  return off;
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
