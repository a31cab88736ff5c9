// PUBREC from a client: first half of an outbound QoS 2 flow; answer with PUBREL.
import { ReasonCode } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { PubrecPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { completeInflight } from './inflight-complete.js';

/** Handles PUBREC [MQTT-4.3.3-4]: the message is received; release it with PUBREL. */
export function handlePubrec(conn: Connection, packet: PubrecPacket): HandlerResult {
  const session = conn.session!;
  const entry = session.inflight.get(packet.packetId);
  if (entry === undefined || entry.qos !== 2) {
    // 5.0: tell the client the id is unknown; 3.x: release anyway so the client can finish.
    const reason = conn.version === 5 ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND : 0;
    conn.sendAck(PacketType.PUBREL, packet.packetId, reason);
    return;
  }
  if (packet.reasonCode >= 0x80) {
    // [MQTT-3.3.4-9] [MQTT-4.8.2-6] a PUBREC with an error ends the flow: no PUBREL, the id is free again.
    completeInflight(conn, session, entry);
    return;
  }
  entry.released = true;
  conn.sendAck(PacketType.PUBREL, packet.packetId, 0);
}
