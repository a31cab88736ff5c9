// PUBREL from a client: the inbound QoS 2 message may be forgotten; answer PUBCOMP.
import { ReasonCode } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { PubrelPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';

/** Handles PUBREL [MQTT-4.3.3-11]: discards the held packet id and sends PUBCOMP. */
export function handlePubrel(conn: Connection, packet: PubrelPacket): HandlerResult {
  const { known, recorded } = conn.ctx.store.releaseInbound(conn.session!, packet.packetId);
  // The PUBCOMP leaves once the release is committed: the client may reuse the id after it, and a restarted broker
  // still holding the id would take the new message for a duplicate.
  if (recorded) conn.holdForCommit();
  const reason = known || conn.version !== 5 ? 0 : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND;
  conn.sendAck(PacketType.PUBCOMP, packet.packetId, reason);
}
