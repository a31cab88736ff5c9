// The embedding program's own client: publish and subscribe in-process, without a socket.
import type { Properties, QoS } from '../codec/types.js';
import { EMPTY_PROPERTIES } from '../codec/types.js';
import { parseSharedFilter } from '../topics/shared-filter.js';
import { isValidTopicFilter, isValidTopicName } from '../topics/validate.js';
import type { BrokerContext } from '../context.js';
import { SwiftletError } from '../errors.js';
import { messageFromPublish } from './publish-pipeline.js';
import { Session } from '../session/session.js';
import type { InlineHandler } from '../session/session.js';
import type { Subscription } from '../session/subscription.js';
import type { Message } from './message.js';

/** Options of an inline publish. */
export interface InlinePublishOptions {
  qos?: QoS;
  retain?: boolean;
  properties?: Properties;
}

/** Options of an inline subscription. */
export interface InlineSubscribeOptions {
  qos?: QoS;
  /** Receive retained messages at subscribe time. Default true (not for shared subscriptions). */
  retained?: boolean;
  /** Subscription identifier attached to deliveries. */
  identifier?: number;
}

/** A live inline subscription; `unsubscribe()` ends it. */
export interface InlineSubscription {
  readonly filter: string;
  unsubscribe(): void;
}

let inlineCounter = 0;

/** Publishes from the embedding program; returns the number of sessions the message went to. */
export function inlinePublish(ctx: BrokerContext, topic: string, payload: Buffer | string, options: InlinePublishOptions = {}): number {
  if (!isValidTopicName(topic)) throw new SwiftletError('SWIFTLET_ERR_PUBLISH_INVALID_TOPIC', `invalid topic name ${JSON.stringify(topic)}`);
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const message = messageFromPublish(
    { topic, payload: body, qos: options.qos ?? 0, retain: options.retain ?? false, properties: options.properties ?? EMPTY_PROPERTIES },
    null,
    true,
    ctx,
  );
  return ctx.router.publish(message, null);
}

/** Subscribes a handler from the embedding program. Shared filters (`$share/g/f`) join the group like any client. */
export function inlineSubscribe(ctx: BrokerContext, topicFilter: string, handler: InlineHandler, options: InlineSubscribeOptions = {}): InlineSubscription {
  const shared = parseSharedFilter(topicFilter);
  if (shared === 'invalid' || (shared === null && !isValidTopicFilter(topicFilter))) {
    throw new SwiftletError('SWIFTLET_ERR_SUBSCRIBE_INVALID_FILTER', `invalid topic filter ${JSON.stringify(topicFilter)}`);
  }
  // U+0000 cannot appear in a client id on the wire, so inline session keys never collide with clients.
  const session = new Session(`\u0000inline-${++inlineCounter}`, 5, ctx.stats);
  session.inlineHandler = handler;
  const sub: Subscription = {
    session,
    topicFilter,
    filter: shared === null ? topicFilter : shared.filter,
    group: shared === null ? undefined : shared.group,
    qos: options.qos ?? 2,
    noLocal: false,
    retainAsPublished: true,
    retainHandling: 0,
    identifier: options.identifier ?? 0,
  };
  ctx.router.addSubscription(sub);
  if (shared === null && options.retained !== false && ctx.retained.size > 0) {
    const found: Message[] = [];
    ctx.retained.match(sub.filter, found);
    for (const m of found) {
      ctx.delivery.deliver(session, { message: m, qos: m.qos < sub.qos ? m.qos : sub.qos, retain: true, subscriptionIds: undefined, group: undefined, retainedBurst: true, seq: 0, pending: null, packetId: 0, released: false });
    }
  }
  let active = true;
  return {
    filter: topicFilter,
    unsubscribe: () => {
      if (!active) return;
      active = false;
      ctx.router.removeSubscription(sub);
    },
  };
}
