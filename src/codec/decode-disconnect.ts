// DISCONNECT (section 3.14): empty in 3.x; 5.0 reason code and properties, both optional.
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { DisconnectPacket, ProtocolVersion } from './types.js';
import { validateReasonCode } from './validate.js';

/** Decodes a DISCONNECT body: Remaining Length 0 means reason 0x00, 1 means no properties [MQTT-3.14.2-1]. */
export function decodeDisconnect(reader: Reader, _flags: number, version: ProtocolVersion): DisconnectPacket {
  let reasonCode = 0;
  let properties = EMPTY_PROPERTIES;
  if (version === 5 && reader.remaining > 0) {
    reasonCode = reader.readUint8();
    validateReasonCode(PacketType.DISCONNECT, reasonCode, 'MQTT-3.14.2-1');
    if (reader.remaining > 0) properties = decodeProperties(reader, PacketType.DISCONNECT);
  }
  reader.expectEnd('DISCONNECT');
  return { type: PacketType.DISCONNECT, reasonCode, properties };
}
