// Publishing a will message: through the onWill hook, then like any other publish.
import type { Will } from '../codec/types.js';
import { REJECT } from '../hooks/hook.js';
import type { ClientInfo } from '../hooks/hook.js';
import type { BrokerContext } from '../context.js';
import { messageFromPublish } from './publish-pipeline.js';
import { isPromise } from '../hooks/maybe-async.js';

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

/**
 * A will is published with its client's rights at the time: not to `$SYS`, and only where the publish ACL lets the
 * client publish, as if it had sent the message itself (a will is otherwise a way round the ACL). A refused will is
 * dropped, counted as `publish-refused` and logged.
 */
function send(ctx: BrokerContext, client: ClientInfo, will: Will): void {
  if (will.topic.startsWith('$SYS')) {
    refused(ctx, client, will);
    return;
  }
  // In-process clients (the inline client, a bridge's local side) are trusted, as for their publishes.
  if (ctx.hooks.checkAcl === null || client.inline) {
    route(ctx, client, will);
    return;
  }
  const allowed = ctx.hooks.runCheckAcl(client, will.topic, 'publish');
  if (isPromise(allowed)) {
    void allowed.then((ok) => (ok ? route(ctx, client, will) : refused(ctx, client, will)));
    return;
  }
  if (allowed) route(ctx, client, will);
  else refused(ctx, client, will);
}

function refused(ctx: BrokerContext, client: ClientInfo, will: Will): void {
  ctx.stats.messagesDropped++;
  ctx.stats.droppedByReason['publish-refused']++;
  ctx.logger.warn({ clientId: client.id, username: client.username, topic: will.topic }, 'will refused: the client may not publish to its topic');
}

function route(ctx: BrokerContext, client: ClientInfo, will: Will): void {
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
