// CONNACK (section 3.2): acknowledge flags, reason/return code, properties.
import { malformed } from './errors.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ConnackPacket, ProtocolVersion } from './types.js';
import { validateReasonCode } from './validate.js';

/** Decodes a CONNACK body: flag bits 7-1 are reserved [MQTT-3.2.2-1]; 3.x return codes above 5 are reserved. */
export function decodeConnack(reader: Reader, _flags: number, version: ProtocolVersion): ConnackPacket {
  const ackFlags = reader.readUint8();
  if ((ackFlags & 0xfe) !== 0) throw malformed('CONNACK reserved flags are set', 'MQTT-3.2.2-1');
  const reasonCode = reader.readUint8();
  let properties = EMPTY_PROPERTIES;
  if (version === 5) {
    validateReasonCode(PacketType.CONNACK, reasonCode, 'MQTT-3.2.2-8');
    properties = decodeProperties(reader, PacketType.CONNACK);
  } else if (reasonCode > 5) {
    throw malformed(`reserved CONNACK return code ${reasonCode}`);
  }
  reader.expectEnd('CONNACK');
  return { type: PacketType.CONNACK, sessionPresent: (ackFlags & 1) === 1, reasonCode, properties };
}
