// PUBREL from a client: the inbound QoS 2 message may be forgotten; answer PUBCOMP.
import { ReasonCode } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { PubrelPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';

/** Handles PUBREL [MQTT-4.3.3-11]: discards the held packet id and sends PUBCOMP. */
export function handlePubrel(conn: Connection, packet: PubrelPacket): HandlerResult {
  const known = conn.session!.inboundQoS2.delete(packet.packetId);
  const reason = known || conn.version !== 5 ? 0 : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND;
  conn.sendAck(PacketType.PUBCOMP, packet.packetId, reason);
}
