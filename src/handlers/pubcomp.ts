// PUBCOMP from a client: the outbound QoS 2 flow is complete.
import type { PubcompPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { completeInflight } from './inflight-complete.js';

/** Handles PUBCOMP [MQTT-4.3.3-5]: frees the packet id. */
export function handlePubcomp(conn: Connection, packet: PubcompPacket): HandlerResult {
  const session = conn.session!;
  const entry = session.inflight.get(packet.packetId);
  if (entry === undefined || !entry.released) return;
  completeInflight(conn, session, entry);
}
