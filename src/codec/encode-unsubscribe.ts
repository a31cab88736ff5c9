// UNSUBSCRIBE encoder (section 3.10).
import { encodeProperties, propertiesLength } from './properties.js';
import type { ProtocolVersion, UnsubscribePacket } from './types.js';
import { utf8Length } from './utf8.js';
import { varintSize, writeString, writeUint16, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

function unsubscribeBodyLength(p: UnsubscribePacket, version: ProtocolVersion): number {
  let n = 2;
  if (version === 5) {
    const pl = propertiesLength(p.properties);
    n += varintSize(pl) + pl;
  }
  for (const t of p.topics) n += 2 + utf8Length(t);
  return n;
}

/** Byte length of the encoded UNSUBSCRIBE. */
export function unsubscribeLength(packet: UnsubscribePacket, version: ProtocolVersion): number {
  const body = unsubscribeBodyLength(packet, version);
  return 1 + varintSize(body) + body;
}

/** Encodes an UNSUBSCRIBE. */
export function encodeUnsubscribe(p: UnsubscribePacket, version: ProtocolVersion): Buffer {
  const body = unsubscribeBodyLength(p, version);
  const buf = allocateBuffer(1 + varintSize(body) + body);
  buf[0] = 0xa2;
  let off = writeVarint(buf, 1, body);
  off = writeUint16(buf, off, p.packetId);
  if (version === 5) off = encodeProperties(buf, off, p.properties, propertiesLength(p.properties));
  for (const t of p.topics) off = writeString(buf, off, t, utf8Length(t));
  return buf;
}
