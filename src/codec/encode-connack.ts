// CONNACK encoder (section 3.2).
import { encodeProperties, propertiesLength } from './properties.js';
import type { ConnackPacket, ProtocolVersion } from './types.js';
import { varintSize, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

/** Byte length of the encoded CONNACK. */
export function connackLength(packet: ConnackPacket, version: ProtocolVersion): number {
  if (version !== 5) return 4;
  const pl = propertiesLength(packet.properties);
  const body = 2 + varintSize(pl) + pl;
  return 1 + varintSize(body) + body;
}

/**
 * Encodes a CONNACK: flags and reason (5.0) or return code (3.x), then 5.0 properties. In 3.1 the first byte is
 * reserved and not used (Session Present exists from 3.1.1 on), so a 3.1 CONNACK always carries 0 there.
 */
export function encodeConnack(packet: ConnackPacket, version: ProtocolVersion): Buffer {
  const pl = version === 5 ? propertiesLength(packet.properties) : 0;
  const body = version === 5 ? 2 + varintSize(pl) + pl : 2;
  const buf = allocateBuffer(1 + varintSize(body) + body);
  buf[0] = 0x20;
  let off = writeVarint(buf, 1, body);
  buf[off++] = packet.sessionPresent && version !== 3 ? 1 : 0;
  buf[off++] = packet.reasonCode;
  if (version === 5) encodeProperties(buf, off, packet.properties, pl);
  return buf;
}
