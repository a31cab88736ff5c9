// UNSUBACK (section 3.11): packet identifier; 5.0 adds properties and one reason code per filter.
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ProtocolVersion, UnsubackPacket } from './types.js';
import { validatePacketId, validateReasonCode } from './validate.js';

/** Decodes an UNSUBACK body; 3.x has no payload, so `reasonCodes` is empty there. */
export function decodeUnsuback(reader: Reader, _flags: number, version: ProtocolVersion): UnsubackPacket {
  const packetId = reader.readUint16();
  validatePacketId(packetId, version);
  let properties = EMPTY_PROPERTIES;
  const reasonCodes: number[] = [];
  if (version === 5) {
    properties = decodeProperties(reader, PacketType.UNSUBACK);
    while (reader.pos < reader.end) {
      const code = reader.readUint8();
      validateReasonCode(PacketType.UNSUBACK, code);
      reasonCodes.push(code);
    }
  }
  reader.expectEnd('UNSUBACK');
  return { type: PacketType.UNSUBACK, packetId, reasonCodes, properties };
}
