// An acknowledgement that does not fit the QoS flow of the in-flight message it names.
import { specIdFor, wireError } from '../codec/errors.js';
import type { ProtocolError } from '../codec/errors.js';
import { ReasonCode } from '../codec/reason-codes.js';
import type { ProtocolVersion } from '../codec/types.js';

/**
 * The error for an acknowledgement of the wrong type for an in-flight packet id (PUBREC or PUBCOMP for QoS 1,
 * PUBACK for QoS 2, PUBCOMP before PUBREL). The packet parses but is "inconsistent with the state of the ... Server"
 * (section 1.2), so 5.0 closes with DISCONNECT 0x82 Protocol Error [MQTT-4.13.1-1]; 3.1.1 closes on the protocol
 * violation [MQTT-4.8.0-1]. `id5` / `id311` name the flow rule the client broke.
 */
export function wrongAcknowledgement(version: ProtocolVersion, what: string, qos: 1 | 2, id5: string, id311: string): ProtocolError {
  return wireError(version, ReasonCode.PROTOCOL_ERROR, `${what} for a QoS ${qos} message in flight`, specIdFor(version, id5, id311));
}
