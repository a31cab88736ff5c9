// PUBCOMP from a client: the outbound QoS 2 flow is complete.
import type { PubcompPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { completeInflight } from './inflight-complete.js';
import { wrongAcknowledgement } from './wrong-acknowledgement.js';

/** Handles PUBCOMP [MQTT-4.3.3-5]: frees the packet id. */
export function handlePubcomp(conn: Connection, packet: PubcompPacket): HandlerResult {
  const session = conn.session!;
  const entry = session.inflight.get(packet.packetId);
  if (entry === undefined) return;
  // PUBCOMP answers a PUBREL (5.0 [MQTT-4.3.3-11], 3.1.1 [MQTT-4.3.3-2]): for a QoS 1 message, or a QoS 2 message
  // still waiting for its PUBREC, no PUBREL was sent.
  if (entry.qos !== 2) throw wrongAcknowledgement(conn.version, 'PUBCOMP', entry.qos, 'MQTT-4.3.3-11', 'MQTT-4.3.3-2');
  if (!entry.released) throw wrongAcknowledgement(conn.version, 'PUBCOMP before PUBREL', entry.qos, 'MQTT-4.3.3-11', 'MQTT-4.3.3-2');
  completeInflight(conn, session, entry);
}
