// Entry of a webhook's delivery thread: wires WebhookDelivery to the broker's thread.
import { parentPort, workerData } from 'node:worker_threads';
import { WebhookDelivery } from './webhook-delivery.js';
import type { DeliverySettings, FromDelivery, ToDelivery } from './webhook-delivery.js';

const port = parentPort!;
const send = (msg: FromDelivery): void => port.postMessage(msg);
const delivery = new WebhookDelivery(workerData as DeliverySettings, send);

port.on('message', (msg: ToDelivery) => {
  if (msg.type === 'records') delivery.receive(msg.chunk);
  else void delivery.close(msg.graceMs).then(() => send({ type: 'closed' }));
});
