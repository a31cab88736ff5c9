// Publishing a will message: through the onWill hook, then like any other publish.
import type { Will } from '../codec/types.js';
import { REJECT } from '../hooks/hook.js';
import type { ClientInfo } from '../hooks/hook.js';
import type { BrokerContext } from '../context.js';
import { messageFromPublish } from './publish-pipeline.js';

/** Publishes `will` on behalf of `client` (abnormal close, keep-alive timeout, DISCONNECT 0x04, expiry). */
export function publishWill(ctx: BrokerContext, client: ClientInfo, will: Will): void {
  if (ctx.hooks.onWill === null) {
    send(ctx, client, will);
    return;
  }
  let result;
  try {
    result = ctx.hooks.runOnWill(client, will);
  } catch (err) {
    ctx.logger.warn({ client: client.id, err }, 'will rejected by hook');
    return;
  }
  if (result === REJECT) return;
  if (result instanceof Promise) {
    result.then(
      (w) => {
        if (w !== REJECT) send(ctx, client, w);
      },
      (err: unknown) => ctx.logger.warn({ client: client.id, err }, 'will rejected by hook'),
    );
    return;
  }
  send(ctx, client, result);
}

function send(ctx: BrokerContext, client: ClientInfo, will: Will): void {
  // Will Delay Interval is a Will Property only (5.0 section 2.2.2.2): a PUBLISH carrying it is malformed, so it is not forwarded.
  let properties = will.properties;
  if (properties.willDelayInterval !== undefined) {
    properties = { ...properties };
    delete properties.willDelayInterval;
  }
  const message = messageFromPublish({ topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, properties }, client.id, true, ctx);
  ctx.router.publish(message, client);
  if (ctx.hooks.onWillSent !== null) ctx.hooks.notify('onWillSent', client, will);
}
