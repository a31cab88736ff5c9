// PUBACK, PUBREC, PUBREL, PUBCOMP (sections 3.4-3.7): packet identifier, 5.0 reason code and properties.
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { EMPTY_PROPERTIES } from './types.js';
import type { AckPacket, ProtocolVersion } from './types.js';
import { validatePacketId, validateReasonCode } from './validate.js';

/** Packet types that share the acknowledgement shape. */
export type AckType = 4 | 5 | 6 | 7;

/**
 * Decodes an acknowledgement body. 5.0 allows short forms: no reason code means 0x00 and no property length
 * means no properties (Remaining Length 2 or 3); 3.x bodies are exactly the packet identifier.
 */
export function decodeAck<T extends AckType>(reader: Reader, type: T, version: ProtocolVersion): AckPacket<T> {
  const packetId = reader.readUint16();
  validatePacketId(packetId, version);
  let reasonCode = 0;
  let properties = EMPTY_PROPERTIES;
  if (version === 5) {
    const rest = reader.remaining;
    if (rest > 0) {
      reasonCode = reader.readUint8();
      validateReasonCode(type, reasonCode);
      if (rest > 1) properties = decodeProperties(reader, type);
    }
  }
  reader.expectEnd('acknowledgement');
  return { type, packetId, reasonCode, properties };
}
