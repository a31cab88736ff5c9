// SUBSCRIBE encoder (section 3.8).
import { encodeProperties, propertiesLength } from './properties.js';
import type { ProtocolVersion, SubscribePacket } from './types.js';
import { utf8Length } from './utf8.js';
import { varintSize, writeString, writeUint16, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

function subscribeBodyLength(p: SubscribePacket, version: ProtocolVersion): number {
  let n = 2;
  if (version === 5) {
    const pl = propertiesLength(p.properties);
    n += varintSize(pl) + pl;
  }
  for (const s of p.subscriptions) n += 3 + utf8Length(s.topic);
  return n;
}

/** Byte length of the encoded SUBSCRIBE. */
export function subscribeLength(packet: SubscribePacket, version: ProtocolVersion): number {
  const body = subscribeBodyLength(packet, version);
  return 1 + varintSize(body) + body;
}

/** Encodes a SUBSCRIBE; 3.x options carry only the QoS. */
export function encodeSubscribe(p: SubscribePacket, version: ProtocolVersion): Buffer {
  const body = subscribeBodyLength(p, version);
  const buf = allocateBuffer(1 + varintSize(body) + body);
  buf[0] = 0x82;
  let off = writeVarint(buf, 1, body);
  off = writeUint16(buf, off, p.packetId);
  if (version === 5) off = encodeProperties(buf, off, p.properties, propertiesLength(p.properties));
  for (const s of p.subscriptions) {
    off = writeString(buf, off, s.topic, utf8Length(s.topic));
    buf[off++] =
      version === 5
        ? s.qos | (s.noLocal ? 0x04 : 0) | (s.retainAsPublished ? 0x08 : 0) | (s.retainHandling << 4)
        : s.qos;
  }
  return buf;
}
