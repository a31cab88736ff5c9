// PINGREQ: answer PINGRESP.
import { PINGRESP_BYTES } from '../codec/encode.js';
import { PacketType } from '../codec/types.js';
import type { Connection, HandlerResult } from '../connection/connection.js';

/** Handles PINGREQ [MQTT-3.12.4-1]. */
export function handlePingreq(conn: Connection): HandlerResult {
  if (conn.ctx.hooks.outboundPackets) conn.send({ type: PacketType.PINGRESP });
  else conn.write(PINGRESP_BYTES);
}
