// Packet type → handler; the one place where protocol errors become CONNACK or DISCONNECT reason codes.
import type { ProtocolError } from '../codec/errors.js';
import { ReasonCode, toConnectReturnCode } from '../codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../codec/types.js';
import type { ConnackPacket, Packet } from '../codec/types.js';
import { ProtocolError as ProtocolErrorClass } from '../codec/errors.js';
import { HookRejection, REJECT } from '../hooks/hook.js';
import { ConnectionState } from '../connection/connection.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { handleAuth } from './auth.js';
import { handleConnect } from './connect.js';
import { handleDisconnect } from './disconnect.js';
import { handlePingreq } from './pingreq.js';
import { handlePuback } from './puback.js';
import { handlePubcomp } from './pubcomp.js';
import { handlePublish } from './publish.js';
import { handlePubrec } from './pubrec.js';
import { handlePubrel } from './pubrel.js';
import { handleSubscribe } from './subscribe.js';
import { handleUnsubscribe } from './unsubscribe.js';

/** Runs the handler for one decoded packet. Throws ProtocolError for packets not allowed in this state. */
export function dispatchPacket(conn: Connection, input: Packet): HandlerResult {
  let packet = input;
  if (conn.state === ConnectionState.NEW) {
    // [MQTT-3.1.0-1] the first packet must be CONNECT; anything else: close without CONNACK.
    if (packet.type !== PacketType.CONNECT) {
      conn.destroy();
      return;
    }
    return handleConnect(conn, packet);
  }
  const hooks = conn.ctx.hooks;
  if (hooks.onPacketRead !== null && conn.client !== null) {
    const r = hooks.runOnPacketRead(conn.client, packet);
    if (r === REJECT) return;
    packet = r;
  }
  if (conn.state === ConnectionState.CONNECTING) {
    // Only AUTH may continue an enhanced authentication before CONNACK [MQTT-3.1.4-6].
    if (packet.type === PacketType.AUTH) return handleAuth(conn, packet);
    throw new ProtocolErrorClass(ReasonCode.PROTOCOL_ERROR, 'packet before CONNACK', 'MQTT-3.1.4-6');
  }
  if (conn.ctx.capabilities.maximumUserProperties !== 0) checkUserProperties(conn, packet);
  switch (packet.type) {
    case PacketType.PUBLISH:
      return handlePublish(conn, packet);
    case PacketType.PUBACK:
      return handlePuback(conn, packet);
    case PacketType.PUBREC:
      return handlePubrec(conn, packet);
    case PacketType.PUBREL:
      return handlePubrel(conn, packet);
    case PacketType.PUBCOMP:
      return handlePubcomp(conn, packet);
    case PacketType.SUBSCRIBE:
      return handleSubscribe(conn, packet);
    case PacketType.UNSUBSCRIBE:
      return handleUnsubscribe(conn, packet);
    case PacketType.PINGREQ:
      return handlePingreq(conn);
    case PacketType.DISCONNECT:
      return handleDisconnect(conn, packet);
    case PacketType.AUTH:
      if (conn.version !== 5) break;
      return handleAuth(conn, packet);
    case PacketType.CONNECT:
      // [MQTT-3.1.0-2] a second CONNECT is a protocol error.
      throw new ProtocolErrorClass(ReasonCode.PROTOCOL_ERROR, 'second CONNECT', 'MQTT-3.1.0-2');
    case PacketType.CONNACK:
    case PacketType.SUBACK:
    case PacketType.UNSUBACK:
    case PacketType.PINGRESP:
      break;
  }
  throw new ProtocolErrorClass(ReasonCode.PROTOCOL_ERROR, `packet type ${packet.type} is not sent by clients`, undefined);
}

/**
 * More User Properties than maximumUserProperties on a packet that cannot be refused on its own (acknowledgements,
 * UNSUBSCRIBE, AUTH): DISCONNECT 0x97 Quota exceeded. PUBLISH and SUBSCRIBE are refused by their handlers (0x97 in
 * PUBACK / PUBREC / SUBACK), a client DISCONNECT is let through (the connection ends anyway).
 */
function checkUserProperties(conn: Connection, packet: Packet): void {
  if (packet.type === PacketType.PUBLISH || packet.type === PacketType.SUBSCRIBE || packet.type === PacketType.DISCONNECT || packet.type === PacketType.PINGREQ) return;
  if (!('properties' in packet)) return;
  const count = packet.properties.userProperties?.length ?? 0;
  if (count <= conn.ctx.capabilities.maximumUserProperties) return;
  conn.ctx.stats.limitsReached.maximumUserProperties++;
  throw new ProtocolErrorClass(ReasonCode.QUOTA_EXCEEDED, `${count} user properties, more than maximumUserProperties`, undefined);
}

/**
 * A packet the parser could not accept. Before CONNACK: a CONNACK with the reason when the client
 * can read one (5.0, or 0x84 for any version [MQTT-3.1.2-2]); afterwards DISCONNECT (5.0) and close [MQTT-4.13.1-1].
 */
export function handleParseError(conn: Connection, error: ProtocolError): void {
  const ctx = conn.ctx;
  ctx.logger.debug({ client: conn.client?.id, reason: error.reasonCode, err: error.message }, 'malformed packet');
  // The parser refuses a packet past maximumPacketSize as soon as its remaining length is known.
  if (error.reasonCode === ReasonCode.PACKET_TOO_LARGE) ctx.stats.limitsReached.maximumPacketSize++;
  if (conn.state === ConnectionState.NEW || conn.state === ConnectionState.CONNECTING) {
    let connack: ConnackPacket | undefined;
    if (conn.state === ConnectionState.NEW) {
      const v = error.protocolVersion;
      if (error.reasonCode === ReasonCode.UNSUPPORTED_PROTOCOL_VERSION) {
        // Answer in a format the client can read: 5.0 reason code for level 5, else the 3.1.1 return code 1.
        if (v === 5) conn.version = 5;
        else conn.version = 4;
        const code = v === 5 ? error.reasonCode : toConnectReturnCode(error.reasonCode);
        connack = { type: PacketType.CONNACK, sessionPresent: false, reasonCode: code, properties: EMPTY_PROPERTIES };
      } else if (v === 5) {
        conn.version = 5;
        connack = { type: PacketType.CONNACK, sessionPresent: false, reasonCode: error.reasonCode, properties: EMPTY_PROPERTIES };
      }
    }
    conn.refuse(error.reasonCode, connack, error);
    return;
  }
  conn.close(error.reasonCode, error);
}

/** Maps an error raised while handling a connection's packet to its reason code and closes the connection. */
export function failConnection(conn: Connection, err: unknown): void {
  const ctx = conn.ctx;
  if (err instanceof ProtocolErrorClass || err instanceof HookRejection) {
    ctx.logger.debug({ client: conn.client?.id, reason: err.reasonCode, err: err.message }, 'closing connection');
    conn.close(err.reasonCode, err, err instanceof HookRejection && err.serverReference !== undefined ? { serverReference: err.serverReference } : undefined);
    return;
  }
  const error = err instanceof Error ? err : new Error(String(err));
  ctx.logger.error({ client: conn.client?.id, err: error }, 'unexpected error handling packet');
  if (ctx.hooks.onError !== null) ctx.hooks.notify('onError', error, { clientId: conn.client?.id, where: 'packet' });
  conn.close(ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, error);
}
