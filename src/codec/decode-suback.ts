// SUBACK (section 3.9): packet identifier, properties, one reason/return code per filter.
import { malformed } from './errors.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ProtocolVersion, SubackPacket } from './types.js';
import { validatePacketId, validateReasonCode } from './validate.js';

/** Decodes a SUBACK body; 3.x return codes other than 0, 1, 2, 0x80 are malformed [MQTT-3.9.3-2]. */
export function decodeSuback(reader: Reader, _flags: number, version: ProtocolVersion): SubackPacket {
  const packetId = reader.readUint16();
  validatePacketId(packetId, version);
  const properties = version === 5 ? decodeProperties(reader, PacketType.SUBACK) : EMPTY_PROPERTIES;
  const reasonCodes: number[] = [];
  while (reader.pos < reader.end) {
    const code = reader.readUint8();
    if (version === 5) validateReasonCode(PacketType.SUBACK, code);
    else if (code > 2 && code !== 0x80) throw malformed(`reserved SUBACK return code 0x${code.toString(16)}`, 'MQTT-3.9.3-2');
    reasonCodes.push(code);
  }
  return { type: PacketType.SUBACK, packetId, reasonCodes, properties };
}
