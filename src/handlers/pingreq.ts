// PINGREQ: answer PINGRESP.
import { PINGRESP_BYTES } from '../codec/encode.js';
import type { Connection, HandlerResult } from '../connection/connection.js';

/** Handles PINGREQ [MQTT-3.12.4-1]. */
export function handlePingreq(conn: Connection): HandlerResult {
  conn.write(PINGRESP_BYTES);
}
