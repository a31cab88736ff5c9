// DISCONNECT and AUTH encoders (sections 3.14, 3.15): reason code and properties with the 5.0 short forms.
import { encodeProperties, propertiesLength } from './properties.js';
import { EMPTY_PROPERTIES } from './types.js';
import type { AuthPacket, DisconnectPacket, ProtocolVersion } from './types.js';
import { varintSize, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

function reasonBodyLength(p: DisconnectPacket | AuthPacket, version: ProtocolVersion): number {
  if (version !== 5) return 0;
  const pl = p.properties === EMPTY_PROPERTIES ? 0 : propertiesLength(p.properties);
  if (pl === 0) return p.reasonCode === 0 ? 0 : 1;
  return 1 + varintSize(pl) + pl;
}

/** Byte length of the encoded DISCONNECT or AUTH. */
export function reasonPacketLength(packet: DisconnectPacket | AuthPacket, version: ProtocolVersion): number {
  const body = reasonBodyLength(packet, version);
  return 1 + varintSize(body) + body;
}

/**
 * Encodes a DISCONNECT (empty in 3.x) or AUTH (5.0 only). Remaining Length 0 when the reason is 0x00 without
 * properties, the reason code alone when there are no properties.
 */
export function encodeReasonPacket(p: DisconnectPacket | AuthPacket, version: ProtocolVersion): Buffer {
  if (p.type === 15 && version !== 5) throw new TypeError('AUTH packets exist only in MQTT 5.0');
  const body = reasonBodyLength(p, version);
  const buf = allocateBuffer(1 + varintSize(body) + body);
  buf[0] = p.type << 4;
  let off = writeVarint(buf, 1, body);
  if (body === 0) return buf;
  buf[off++] = p.reasonCode;
  if (body > 1) encodeProperties(buf, off, p.properties, propertiesLength(p.properties));
  return buf;
}
