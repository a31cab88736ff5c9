// Entry of a webhook's delivery thread: wires WebhookDelivery to the broker's thread.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { WebhookDelivery } from './webhook-delivery.js';
import type { DeliverySettings, FromDelivery, ToDelivery } from './webhook-delivery.js';

/**
 * Delivery is background work: on Linux this thread (only this one: /proc/thread-self names its thread id) gets
 * the lowest scheduling priority, so on a busy CPU the broker's own thread runs first. Elsewhere it stays as is.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // No /proc (not Linux) or not permitted: run at normal priority.
  }
}

lowerThreadPriority();
const port = parentPort!;
const send = (msg: FromDelivery): void => port.postMessage(msg);
const delivery = new WebhookDelivery(workerData as DeliverySettings, send);

port.on('message', (msg: ToDelivery) => {
  if (msg.type === 'records') delivery.receive(msg.chunk);
  else void delivery.close(msg.graceMs).then(() => send({ type: 'closed' }));
});
