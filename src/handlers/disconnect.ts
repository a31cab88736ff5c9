// DISCONNECT from a client: normal close (will discarded) or 0x04 (will published); 5.0 session expiry update.
import { ProtocolError } from '../codec/errors.js';
import { ReasonCode } from '../codec/reason-codes.js';
import type { DisconnectPacket } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';

/** Handles DISCONNECT [MQTT-3.14.4-1] [MQTT-3.14.4-3]. */
export function handleDisconnect(conn: Connection, packet: DisconnectPacket): HandlerResult {
  const session = conn.session!;
  if (conn.version === 5) {
    const expiry = packet.properties.sessionExpiryInterval;
    if (expiry !== undefined) {
      // 5.0 §3.14.2.2.2 (no statement id; [MQTT-3.14.2-2] is the server-side rule): a session that was to end with the connection cannot be extended at DISCONNECT.
      if (session.expiryInterval === 0 && expiry !== 0) {
        throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'session expiry set on DISCONNECT after 0 at CONNECT (5.0 section 3.14.2.2.2)');
      }
      session.expiryInterval = Math.min(expiry, conn.ctx.capabilities.maximumSessionExpiryInterval);
    }
  }
  conn.closeReason = packet.reasonCode;
  // 0x04 Disconnect with Will Message keeps the will; any other reason discards it [MQTT-3.14.4-3] [MQTT-3.1.2-10].
  conn.discardWill = packet.reasonCode !== ReasonCode.DISCONNECT_WITH_WILL_MESSAGE;
  conn.destroy();
}
