// PUBACK from a client: the QoS 1 delivery is complete; room opens in the inflight window.
import type { PubackPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { completeInflight } from './inflight-complete.js';

/** Handles PUBACK [MQTT-4.3.2-3]: frees the packet id and sends what was waiting. */
export function handlePuback(conn: Connection, packet: PubackPacket): HandlerResult {
  const session = conn.session!;
  const entry = session.inflight.get(packet.packetId);
  // An unknown id or a QoS 2 id is ignored: nothing to complete.
  if (entry === undefined || entry.qos !== 1) return;
  completeInflight(conn, session, entry);
}
