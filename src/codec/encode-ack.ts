// PUBACK, PUBREC, PUBREL, PUBCOMP encoder with the 5.0 short forms.
import { encodeProperties, propertiesLength } from './properties.js';
import { EMPTY_PROPERTIES } from './types.js';
import type { AckPacket, Properties, ProtocolVersion } from './types.js';
import { varintSize, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

/** Byte length of an encoded acknowledgement. */
export function ackLength(reasonCode: number, version: ProtocolVersion, properties?: Properties): number {
  if (version !== 5) return 4;
  if (properties === undefined || properties === EMPTY_PROPERTIES) return reasonCode === 0 ? 4 : 5;
  const pl = propertiesLength(properties);
  if (pl === 0) return reasonCode === 0 ? 4 : 5;
  const body = 3 + varintSize(pl) + pl;
  return 1 + varintSize(body) + body;
}

/**
 * Encodes PUBACK (4), PUBREC (5), PUBREL (6) or PUBCOMP (7). 3.x bodies are the packet id only; 5.0 omits the
 * reason code and property length when the reason is 0x00 without properties, and the property length when
 * there are no properties (section 3.4.2.1).
 */
export function encodeAck(type: 4 | 5 | 6 | 7, packetId: number, reasonCode: number, version: ProtocolVersion, properties?: Properties): Buffer {
  const first = (type << 4) | (type === 6 ? 2 : 0);
  const pl = version === 5 && properties !== undefined && properties !== EMPTY_PROPERTIES ? propertiesLength(properties) : 0;
  if (pl === 0) {
    const short = version !== 5 || reasonCode === 0;
    const buf = allocateBuffer(short ? 4 : 5);
    buf[0] = first;
    buf[1] = short ? 2 : 3;
    buf[2] = packetId >>> 8;
    buf[3] = packetId & 0xff;
    if (!short) buf[4] = reasonCode;
    return buf;
  }
  const body = 3 + varintSize(pl) + pl;
  const buf = allocateBuffer(1 + varintSize(body) + body);
  buf[0] = first;
  let off = writeVarint(buf, 1, body);
  buf[off++] = packetId >>> 8;
  buf[off++] = packetId & 0xff;
  buf[off++] = reasonCode;
  encodeProperties(buf, off, properties!, pl);
  return buf;
}

/** Encodes an acknowledgement packet object (see encodeAck). */
export function encodeAckPacket(packet: AckPacket<4 | 5 | 6 | 7>, version: ProtocolVersion): Buffer {
  return encodeAck(packet.type, packet.packetId, packet.reasonCode, version, packet.properties);
}
