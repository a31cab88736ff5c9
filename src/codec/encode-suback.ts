// SUBACK and UNSUBACK encoders (sections 3.9, 3.11): packet id, 5.0 properties, one code per filter.
import { encodeProperties, propertiesLength } from './properties.js';
import type { ProtocolVersion, SubackPacket, UnsubackPacket } from './types.js';
import { varintSize, writeUint16, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

function ackListBodyLength(p: SubackPacket | UnsubackPacket, version: ProtocolVersion): number {
  if (version !== 5) return p.type === 11 ? 2 : 2 + p.reasonCodes.length;
  const pl = propertiesLength(p.properties);
  return 2 + varintSize(pl) + pl + p.reasonCodes.length;
}

/** Byte length of the encoded SUBACK or UNSUBACK. */
export function ackListLength(packet: SubackPacket | UnsubackPacket, version: ProtocolVersion): number {
  const body = ackListBodyLength(packet, version);
  return 1 + varintSize(body) + body;
}

/** Encodes a SUBACK or UNSUBACK; a 3.x UNSUBACK has no payload, so its reason codes are not written. */
export function encodeAckList(p: SubackPacket | UnsubackPacket, version: ProtocolVersion): Buffer {
  const body = ackListBodyLength(p, version);
  const buf = allocateBuffer(1 + varintSize(body) + body);
  buf[0] = p.type << 4;
  let off = writeVarint(buf, 1, body);
  off = writeUint16(buf, off, p.packetId);
  if (version === 5) off = encodeProperties(buf, off, p.properties, propertiesLength(p.properties));
  else if (p.type === 11) return buf;
  for (const code of p.reasonCodes) buf[off++] = code;
  return buf;
}
