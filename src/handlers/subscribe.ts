// SUBSCRIBE: validate each filter, ACL, store the subscription, SUBACK, then retained messages.
import { ProtocolError } from '../codec/errors.js';
import { ReasonCode } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { SubscribePacket, SubscriptionRequest } from '../codec/types.js';
import { parseSharedFilter } from '../topics/shared-filter.js';
import { exceedsTopicLevels, isValidTopicFilter } from '../topics/validate.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { andThen, isPromise } from '../hooks/maybe-async.js';
import type { MaybePromise } from '../hooks/maybe-async.js';
import type { Subscription } from '../session/subscription.js';
import type { Message } from '../routing/message.js';
import { HookRejection } from '../hooks/hook.js';
import { checkTopicFilter } from './topic-filter-check.js';

/** Handles SUBSCRIBE: one reason code per filter in the SUBACK [MQTT-3.8.4-6] [MQTT-3.9.3-1]. */
export function handleSubscribe(conn: Connection, packet: SubscribePacket): HandlerResult {
  const ctx = conn.ctx;
  const caps = ctx.capabilities;
  const ids = packet.properties.subscriptionIdentifiers;
  const identifier = ids !== undefined ? ids[0]! : 0;
  // Identifiers sent although CONNACK said they are not supported: DISCONNECT 0xA1 (5.0 section 3.2.2.3.12).
  if (identifier !== 0 && !caps.subscriptionIdentifierAvailable) {
    throw new ProtocolError(ReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED, 'subscription identifiers not supported');
  }
  for (const req of packet.subscriptions) {
    // A filter against the grammar of sections 4.7.1 / 4.8.2 closes the connection (5.0: DISCONNECT 0x82).
    checkTopicFilter(req.topic, conn.version);
    // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error.
    if (req.noLocal && req.topic.startsWith('$share/')) {
      throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, 'No Local on a shared subscription', 'MQTT-3.8.3-4');
    }
  }
  // More User Properties than maximumUserProperties: every filter is refused with 0x97 Quota exceeded.
  const maxUserProperties = caps.maximumUserProperties;
  if (maxUserProperties !== 0 && (packet.properties.userProperties?.length ?? 0) > maxUserProperties) {
    ctx.stats.limitsReached.maximumUserProperties++;
    sendSuback(conn, packet.packetId, packet.subscriptions.map(() => ReasonCode.QUOTA_EXCEEDED));
    return;
  }
  const client = conn.client!;
  let requests: MaybePromise<SubscriptionRequest[]> = packet.subscriptions;
  if (ctx.hooks.onSubscribe !== null) requests = ctx.hooks.runOnSubscribe(client, packet.subscriptions);
  const result = andThen(requests, (reqs) => subscribeAll(conn, packet, reqs, identifier));
  if (isPromise(result)) {
    return result.catch((err: unknown) => {
      if (err instanceof HookRejection) {
        sendSuback(conn, packet.packetId, packet.subscriptions.map(() => err.reasonCode));
        return;
      }
      throw err;
    });
  }
}

interface Granted {
  readonly request: SubscriptionRequest;
  code: number;
  subscription: Subscription | undefined;
  isNew: boolean;
}

function subscribeAll(conn: Connection, packet: SubscribePacket, requests: SubscriptionRequest[], identifier: number): MaybePromise<void> {
  const ctx = conn.ctx;
  const results: Granted[] = [];
  const checks: MaybePromise<boolean>[] = [];
  let anyAsync = false;
  for (const request of requests) {
    const g: Granted = { request, code: validate(conn, request), subscription: undefined, isNew: false };
    results.push(g);
    let check: MaybePromise<boolean> = true;
    if (g.code === 0 && ctx.hooks.checkAcl !== null && !conn.trusted) {
      check = ctx.hooks.runCheckAcl(conn.client!, request.topic, 'subscribe');
      if (isPromise(check)) anyAsync = true;
    }
    checks.push(check);
  }
  const acknowledge = (): void => {
    sendSuback(conn, packet.packetId, results.map((g) => g.code));
    if (ctx.hooks.onSubscribed !== null) {
      ctx.hooks.notify('onSubscribed', conn.client!, requests, results.map((g) => g.code));
    }
    for (const g of results) if (g.subscription !== undefined) sendRetained(conn, g);
  };
  const finish = (allowed: boolean[]): MaybePromise<void> => {
    for (let i = 0; i < results.length; i++) {
      const g = results[i]!;
      if (g.code === 0 && !allowed[i]) g.code = ctx.compatibilities.obscureNotAuthorized ? ReasonCode.UNSPECIFIED_ERROR : ReasonCode.NOT_AUTHORIZED;
      if (g.code === 0 && subscriptionLimitReached(conn, g.request.topic)) g.code = ReasonCode.QUOTA_EXCEEDED;
      if (g.code === 0) store(conn, g, identifier);
    }
    // In a cluster a new filter is first made known to the other nodes: after SUBACK, a message published on any
    // node reaches this subscription. The connection reads nothing more until then, which keeps packet order.
    const announced = ctx.bus.active ? ctx.bus.written() : null;
    if (announced !== null) return announced.then(acknowledge);
    acknowledge();
  };
  if (anyAsync) return Promise.all(checks.map((c) => Promise.resolve(c))).then(finish);
  return finish(checks as boolean[]);
}

/**
 * 0 when acceptable, otherwise the SUBACK failure code for this filter. The client's own filters passed
 * checkTopicFilter already; an invalid one here is a 3.1.1 `$share/` filter without a valid share name or filter
 * (valid 3.1.1 syntax the shared-subscription extension cannot serve), or one an onSubscribe hook put in.
 */
function validate(conn: Connection, request: SubscriptionRequest): number {
  const caps = conn.ctx.capabilities;
  const shared = parseSharedFilter(request.topic);
  if (shared === 'invalid') return ReasonCode.TOPIC_FILTER_INVALID;
  const filter = shared === null ? request.topic : shared.filter;
  if (!isValidTopicFilter(filter)) return ReasonCode.TOPIC_FILTER_INVALID;
  // A correctly formed filter this server does not accept is 0x8F Topic Filter invalid (Table 2-6); 3.x gets 0x80.
  if (request.topic.length > caps.maximumTopicLength) {
    conn.ctx.stats.limitsReached.maximumTopicLength++;
    return ReasonCode.TOPIC_FILTER_INVALID;
  }
  if (caps.maximumTopicLevels !== 0 && exceedsTopicLevels(filter, caps.maximumTopicLevels)) {
    conn.ctx.stats.limitsReached.maximumTopicLevels++;
    return ReasonCode.TOPIC_FILTER_INVALID;
  }
  if (shared !== null && !caps.sharedSubscriptionAvailable) return ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED;
  if (!caps.wildcardSubscriptionAvailable && (filter.includes('+') || filter.includes('#'))) {
    return ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED;
  }
  return 0;
}

/**
 * True when a new filter would take the session past its subscription limit (the client's own, or
 * maximumSubscriptionsPerClient); replacing an existing subscription never counts [MQTT-3.8.4-3].
 */
function subscriptionLimitReached(conn: Connection, topicFilter: string): boolean {
  const session = conn.session!;
  const max = session.limits?.maximumSubscriptionsPerClient ?? conn.ctx.capabilities.maximumSubscriptionsPerClient;
  if (max === 0 || session.subscriptions.size < max || session.subscriptions.has(topicFilter)) return false;
  conn.ctx.stats.limitsReached.maximumSubscriptionsPerClient++;
  return true;
}

function store(conn: Connection, g: Granted, identifier: number): void {
  const ctx = conn.ctx;
  const session = conn.session!;
  const req = g.request;
  // [MQTT-3.8.4-3] an identical filter replaces the existing subscription; [MQTT-3.2.2-9] QoS capped at the maximum.
  const { subscription: sub, previous } = ctx.router.attachSubscription(session, req.topic, {
    qos: req.qos,
    noLocal: req.noLocal,
    retainAsPublished: req.retainAsPublished,
    retainHandling: req.retainHandling,
    identifier,
  });
  const qos = sub.qos;
  // A stored session's SUBACK (and what follows it) leaves once the subscription is committed.
  if (ctx.store.saveSubscription(session, sub)) conn.holdForCommit();
  g.code = qos; // granted QoS is the success code [MQTT-3.9.3-2]
  g.subscription = sub;
  g.isNew = previous === undefined;
}

function sendSuback(conn: Connection, packetId: number, reasonCodes: number[]): void {
  // 3.x knows only 0, 1, 2 and 0x80 [MQTT-3.9.3-2 in 3.1.1].
  const codes = conn.version === 5 ? reasonCodes : reasonCodes.map((c) => (c < 0x80 ? c : 0x80));
  conn.send({ type: PacketType.SUBACK, packetId, reasonCodes: codes, properties: {} });
}

/**
 * Retained messages for a new subscription [MQTT-3.3.1-9], with the retain flag set [MQTT-3.3.1-8 in 3.1.1];
 * Retain Handling 1 = only when the subscription is new, 2 = never [MQTT-3.8.4-4]; never for shared subscriptions.
 */
function sendRetained(conn: Connection, g: Granted): void {
  const sub = g.subscription!;
  if (sub.group !== undefined) return;
  if (sub.retainHandling === 2 || (sub.retainHandling === 1 && !g.isNew)) return;
  const ctx = conn.ctx;
  if (ctx.retained.size === 0) return;
  const found: Message[] = [];
  ctx.retained.match(sub.filter, found);
  const now = ctx.clock();
  const ids = sub.identifier !== 0 ? [sub.identifier] : undefined;
  for (const message of found) {
    if (message.expiresAt !== 0 && message.expiresAt <= now) continue;
    const qos = (message.qos < sub.qos ? message.qos : sub.qos);
    ctx.delivery.deliver(sub.session, { message, qos, retain: true, subscriptionIds: ids, group: undefined, retainedBurst: true, seq: 0, pending: null, packetId: 0, released: false });
  }
}
