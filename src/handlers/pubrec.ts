// PUBREC from a client: first half of an outbound QoS 2 flow; answer with PUBREL.
import { ReasonCode } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { PubrecPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { completeInflight } from './inflight-complete.js';
import { wrongAcknowledgement } from './wrong-acknowledgement.js';

/** Handles PUBREC [MQTT-4.3.3-4]: the message is received; release it with PUBREL. */
export function handlePubrec(conn: Connection, packet: PubrecPacket): HandlerResult {
  const session = conn.session!;
  const entry = session.inflight.get(packet.packetId);
  if (entry === undefined) {
    // A PUBREC with an error reason ends the flow on the client's side: there is nothing to release
    // (5.0 [MQTT-4.3.3-4] sends PUBREL only for a reason below 0x80).
    if (packet.reasonCode >= 0x80) return;
    // 5.0: tell the client the id is unknown; 3.x: release anyway so the client can finish.
    const reason = conn.version === 5 ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND : 0;
    conn.sendAck(PacketType.PUBREL, packet.packetId, reason);
    return;
  }
  // A QoS 1 message is answered with PUBACK, never PUBREC (5.0 [MQTT-4.3.2-4], 3.1.1 [MQTT-4.3.2-2]).
  if (entry.qos !== 2) throw wrongAcknowledgement(conn.version, 'PUBREC', entry.qos, 'MQTT-4.3.2-4', 'MQTT-4.3.2-2');
  if (packet.reasonCode >= 0x80) {
    // [MQTT-3.3.4-9] [MQTT-4.8.2-6] a PUBREC with an error ends the flow: no PUBREL, the id is free again.
    completeInflight(conn, session, entry);
    return;
  }
  entry.released = true;
  conn.ctx.store.released(session, entry);
  conn.sendAck(PacketType.PUBREL, packet.packetId, 0);
}
