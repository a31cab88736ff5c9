// AUTH (5.0): continuing an enhanced authentication during CONNECT, and re-authentication afterwards.
import { ProtocolError } from '../codec/errors.js';
import { ReasonCode } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { AuthPacket, Properties } from '../codec/types.js';
import type { EnhancedAuthResult } from '../hooks/hook.js';
import { ConnectionState } from '../connection/connection.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { andThen, isPromise } from '../hooks/maybe-async.js';
import { continueEnhancedAuth, failPendingConnect } from './connect.js';

/** Handles AUTH [MQTT-4.12.0-1] [MQTT-4.12.1-1]. */
export function handleAuth(conn: Connection, packet: AuthPacket): HandlerResult {
  const ctx = conn.ctx;
  const method = packet.properties.authenticationMethod;
  // [MQTT-4.12.0-5] the method must be the one of the CONNECT.
  if (conn.authMethod === undefined || method !== conn.authMethod) {
    throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'AUTH without the authentication method of the CONNECT', 'MQTT-4.12.0-5');
  }
  const connecting = conn.state === ConnectionState.CONNECTING;
  if (connecting) {
    const pending = conn.pendingConnect;
    if (pending === null || packet.reasonCode !== ReasonCode.CONTINUE_AUTHENTICATION) {
      throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'unexpected AUTH during connect', 'MQTT-4.12.0-2');
    }
    const step = { method, data: packet.properties.authenticationData, reauthenticate: false, state: conn.authState };
    const r = andThen(ctx.hooks.runEnhancedAuth(pending.client, step), (res) => continueEnhancedAuth(pending, res));
    if (isPromise(r)) return r.catch((err: unknown) => failPendingConnect(conn, err));
    return;
  }
  // Connected: 0x19 starts a re-authentication, 0x18 continues one.
  if (packet.reasonCode === ReasonCode.RE_AUTHENTICATE) conn.authState.clear();
  else if (packet.reasonCode !== ReasonCode.CONTINUE_AUTHENTICATION) {
    throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'AUTH with reason success from client', 'MQTT-4.12.1-1');
  }
  const step = { method, data: packet.properties.authenticationData, reauthenticate: true, state: conn.authState };
  const r = ctx.hooks.runEnhancedAuth(conn.client!, step);
  if (isPromise(r)) return r.then((res) => afterReauth(conn, res));
  afterReauth(conn, r);
}

function afterReauth(conn: Connection, result: EnhancedAuthResult): void {
  if (conn.state !== ConnectionState.CONNECTED) return;
  if (result === 'defer') {
    conn.close(ReasonCode.BAD_AUTHENTICATION_METHOD);
    return;
  }
  const properties: Properties = { authenticationMethod: conn.authMethod! };
  switch (result.decision) {
    case 'continue':
      if (result.data !== undefined) properties.authenticationData = result.data;
      conn.send({ type: PacketType.AUTH, reasonCode: ReasonCode.CONTINUE_AUTHENTICATION, properties });
      return;
    case 'allow':
      if (result.data !== undefined) properties.authenticationData = result.data;
      conn.send({ type: PacketType.AUTH, reasonCode: ReasonCode.SUCCESS, properties });
      return;
    case 'deny':
      // [MQTT-4.12.1-2] a failed re-authentication closes the connection.
      conn.close(result.reasonCode ?? ReasonCode.NOT_AUTHORIZED);
      return;
  }
}
