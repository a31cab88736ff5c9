// Fixed header rules checked as soon as byte 1 arrives, before any body is buffered.
import { malformed, specIdFor } from './errors.js';
import type { ProtocolVersion } from './types.js';

/** Largest Remaining Length a 4-byte Variable Byte Integer can carry. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** Largest whole packet: 1 header byte + 4 length bytes + MAX_REMAINING_LENGTH. */
export const MAX_PACKET_SIZE = MAX_REMAINING_LENGTH + 5;

// Required flag bits per packet type (table 2-2); -1 marks PUBLISH, whose flags carry DUP/QoS/RETAIN, and -2
// CONNECT, whose flags are checked by decodeConnect: which rule applies (3.1 or later) depends on its own level.
const REQUIRED_FLAGS = [0, -2, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/**
 * Validates byte 1 of a fixed header for `version`: packet type 0 is reserved, AUTH exists only in 5.0,
 * reserved flags must match table 2-2 [MQTT-2.1.3-1] (CONNECT's are left to decodeConnect), and a PUBLISH must not have QoS 3 [MQTT-3.3.1-4]
 * or DUP set with QoS 0 [MQTT-3.3.1-2]. All are Malformed Packet (0x81).
 */
export function validateFixedHeader(byte: number, version: ProtocolVersion): void {
  const type = byte >> 4;
  const flags = byte & 0x0f;
  if (type === 0) throw malformed('packet type 0 is reserved');
  if (type === 15 && version !== 5) throw malformed('AUTH packets exist only in MQTT 5.0');
  const required = REQUIRED_FLAGS[type]!;
  if (required >= 0) {
    if (flags !== required) {
      throw malformed(`reserved flags 0x${flags.toString(16)} in packet type ${type}`, specIdFor(version, 'MQTT-2.1.3-1', 'MQTT-2.2.2-1'));
    }
    return;
  }
  if (required === -2) return; // CONNECT
  const qos = (flags >> 1) & 3;
  if (qos === 3) throw malformed('PUBLISH with QoS 3', 'MQTT-3.3.1-4');
  if (qos === 0 && (flags & 8) !== 0) throw malformed('PUBLISH with DUP set on QoS 0', 'MQTT-3.3.1-2');
}
