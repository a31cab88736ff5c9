// PUBACK from a client: the QoS 1 delivery is complete; room opens in the inflight window.
import type { PubackPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { completeInflight } from './inflight-complete.js';
import { wrongAcknowledgement } from './wrong-acknowledgement.js';

/** Handles PUBACK [MQTT-4.3.2-3]: frees the packet id and sends what was waiting. */
export function handlePuback(conn: Connection, packet: PubackPacket): HandlerResult {
  const session = conn.session!;
  const entry = session.inflight.get(packet.packetId);
  // An unknown id is ignored: nothing to complete (a late duplicate, or a session that was resumed without it).
  if (entry === undefined) return;
  // A QoS 2 message is answered with PUBREC, never PUBACK (5.0 [MQTT-4.3.3-8], 3.1.1 [MQTT-4.3.3-2]).
  if (entry.qos !== 1) throw wrongAcknowledgement(conn.version, 'PUBACK', entry.qos, 'MQTT-4.3.3-8', 'MQTT-4.3.3-2');
  completeInflight(conn, session, entry);
}
