// AUTH (section 3.15, 5.0 only): reason code and properties, both optional.
import { protocolError } from './errors.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { AuthPacket, ProtocolVersion } from './types.js';

/** AUTH reason codes: 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate [MQTT-3.15.2-1]; else 0x82. */
export function validateAuthReasonCode(code: number): void {
  if (code !== 0x00 && code !== 0x18 && code !== 0x19) throw protocolError(`AUTH reason code 0x${code.toString(16)}`, 'MQTT-3.15.2-1');
}

/** Decodes an AUTH body; Remaining Length 0 means Success with no properties. */
export function decodeAuth(reader: Reader, _flags: number, _version: ProtocolVersion): AuthPacket {
  let reasonCode = 0;
  let properties = EMPTY_PROPERTIES;
  if (reader.remaining > 0) {
    reasonCode = reader.readUint8();
    validateAuthReasonCode(reasonCode);
    if (reader.remaining > 0) properties = decodeProperties(reader, PacketType.AUTH);
  }
  reader.expectEnd('AUTH');
  return { type: PacketType.AUTH, reasonCode, properties };
}
