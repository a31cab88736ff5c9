// Shared end of an outbound QoS 1/2 flow (PUBACK, PUBCOMP, or a PUBREC with an error reason).
import type { Connection } from '../connection/connection.js';
import { toPacket } from '../routing/delivery.js';
import type { Session } from '../session/session.js';
import type { InflightEntry } from '../session/delivery-queue.js';

/** Removes a finished inflight entry, notifies hooks and lets queued messages flow. */
export function completeInflight(conn: Connection, session: Session, entry: InflightEntry): void {
  session.inflight.delete(entry.packetId);
  const ctx = conn.ctx;
  ctx.store.completed(session, entry);
  if (ctx.hooks.onQosCompleted !== null) ctx.hooks.notify('onQosCompleted', conn.client!, toPacket(entry.message, entry.packetId));
  if (session.queue.size > 0) ctx.delivery.pump(session);
}
