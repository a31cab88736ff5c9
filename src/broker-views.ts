// Read-only views of broker state for the embedding program, the management API and metrics.
import type { ListenerAddress, ListenerStats } from './listeners/listener.js';
import type { Properties, QoS } from './codec/types.js';
import type { BrokerContext } from './context.js';
import type { Message } from './routing/message.js';
import { Webhook } from './hooks/builtin/webhooks.js';
import { RateLimit } from './hooks/builtin/rate-limit.js';
import type { Session } from './session/session.js';
import type { BatcherStats } from './hooks/builtin/batcher.js';
import { redactUrl } from './hooks/builtin/http-caller.js';

/** What the embedding program can read about a client session. */
export interface ClientSnapshot {
  readonly id: string;
  readonly connected: boolean;
  readonly protocolVersion: 3 | 4 | 5;
  readonly username: string | undefined;
  readonly remoteAddress: string;
  readonly listenerId: string;
  /** ms since epoch of the current (or last) connection. */
  readonly connectedAt: number;
  /** Keep alive in seconds as granted on the current (or last) connection; 0 = none. */
  readonly keepAlive: number;
  readonly sessionExpiryInterval: number;
  readonly subscriptions: { filter: string; qos: QoS }[];
  readonly inflight: number;
  readonly queued: number;
  /** Payload bytes of the queued messages. */
  readonly queuedBytes: number;
  readonly dropped: number;
  /** The limits in force for this client: the broker's, or its own where a hook or ledger user set them. */
  readonly limits: EffectiveLimits;
}

/** The limits that apply to one client (0 = unlimited for the queue bytes, subscriptions and rates). */
export interface EffectiveLimits {
  /** Receive Maximum advertised to it. */
  readonly receiveMaximum: number;
  /** The broker's in-flight window towards it (its own Receive Maximum may lower it further; see inflightWindow). */
  readonly maximumInflight: number;
  /** The window in use: maximumInflight lowered by the client's Receive Maximum; 0 while offline. */
  readonly inflightWindow: number;
  readonly maximumQueuedMessages: number;
  readonly maximumQueuedBytes: number;
  readonly maximumSubscriptionsPerClient: number;
  /** PUBLISH per second it may send: its own rate, else the RateLimit hook's; 0 = unlimited. */
  readonly publishPerSecond: number;
  readonly publishBytesPerSecond: number;
  /** The keys set for this client alone (by its authenticate result or ledger user). */
  readonly overridden: readonly string[];
}

/** One subscription as the management API lists it. */
export interface SubscriptionSnapshot {
  readonly clientId: string;
  /** The filter as the client sent it (with `$share/group/` when shared). */
  readonly filter: string;
  readonly qos: QoS;
  /** Share group name, or undefined for a normal subscription. */
  readonly group: string | undefined;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  /** Subscription Identifier, 0 when none. */
  readonly identifier: number;
}

/** A retained message as the embedding program sees it. */
export interface RetainedSnapshot {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly properties: Properties;
}

/** A listener's id, transport, bound address and counters. */
export interface ListenerInfo {
  readonly id: string;
  readonly transport: string;
  readonly address: ListenerAddress | undefined;
  readonly stats: ListenerStats | undefined;
}

/** Inflight and offline-queue depths over all sessions (sum and largest). */
export interface QueueDepths {
  readonly inflight: number;
  readonly inflightMax: number;
  readonly queued: number;
  readonly queuedMax: number;
}

/** Counters too detailed for `stats`. */
export interface DetailedStats {
  readonly packetsReceivedByType: readonly number[];
  readonly packetsSentByType: readonly number[];
  readonly publishReceivedByQoS: readonly number[];
  readonly publishSentByQoS: readonly number[];
  readonly connectionsRefusedByReason: readonly number[];
  readonly droppedByReason: Readonly<Record<string, number>>;
  /** Times each configured limit was reached. */
  readonly limitsReached: Readonly<Record<string, number>>;
}

/** One client's session, or undefined. */
export function clientSnapshot(ctx: BrokerContext, id: string): ClientSnapshot | undefined {
  const s = ctx.registry.get(id);
  if (s === undefined) return undefined;
  const c = s.connection?.client ?? s.lastClient;
  return {
    id: s.clientId,
    connected: s.connection !== null,
    protocolVersion: s.protocolVersion,
    username: c?.username,
    remoteAddress: c?.remoteAddress ?? '',
    listenerId: c?.listenerId ?? '',
    connectedAt: c?.connectedAt ?? 0,
    keepAlive: c?.keepAlive ?? 0,
    sessionExpiryInterval: s.expiryInterval,
    subscriptions: [...s.subscriptions.values()].map((sub) => ({ filter: sub.topicFilter, qos: sub.qos })),
    inflight: s.inflight.size,
    queued: s.queue.size,
    queuedBytes: s.queue.bytes,
    dropped: s.dropped,
    limits: effectiveLimits(ctx, s),
  };
}

/** The limits in force for a session's client: the latest connection's own limits over the broker's. */
function effectiveLimits(ctx: BrokerContext, s: Session): EffectiveLimits {
  const caps = ctx.capabilities;
  const own = s.connection?.limits ?? s.limits ?? {};
  const conn = s.connection;
  const rateLimit = ctx.hooks.hooks.find((h): h is RateLimit => h instanceof RateLimit);
  const ownRate = own.publishPerSecond !== undefined || own.publishBytesPerSecond !== undefined;
  return {
    receiveMaximum: own.receiveMaximum ?? caps.receiveMaximum,
    maximumInflight: own.maximumInflight ?? caps.maximumInflight,
    inflightWindow: conn !== null && conn.isConnected ? conn.inflightLimit : 0,
    maximumQueuedMessages: own.maximumQueuedMessages ?? caps.maximumQueuedMessages,
    maximumQueuedBytes: own.maximumQueuedBytes ?? caps.maximumQueuedBytes,
    maximumSubscriptionsPerClient: own.maximumSubscriptionsPerClient ?? caps.maximumSubscriptionsPerClient,
    publishPerSecond: ownRate ? (own.publishPerSecond ?? 0) : (rateLimit?.publishPerSecond ?? 0),
    publishBytesPerSecond: ownRate ? (own.publishBytesPerSecond ?? 0) : (rateLimit?.publishBytesPerSecond ?? 0),
    overridden: Object.keys(own),
  };
}

/** Every session known to the broker (connected or not). */
export function clientSnapshots(ctx: BrokerContext): ClientSnapshot[] {
  return [...ctx.registry.sessions.keys()].map((id) => clientSnapshot(ctx, id)!);
}

/** Every subscription of every session (inline subscriptions excluded). */
export function subscriptionSnapshots(ctx: BrokerContext): SubscriptionSnapshot[] {
  const out: SubscriptionSnapshot[] = [];
  for (const s of ctx.registry.sessions.values()) {
    for (const sub of s.subscriptions.values()) {
      out.push({
        clientId: s.clientId,
        filter: sub.topicFilter,
        qos: sub.qos,
        group: sub.group,
        noLocal: sub.noLocal,
        retainAsPublished: sub.retainAsPublished,
        retainHandling: sub.retainHandling,
        identifier: sub.identifier,
      });
    }
  }
  return out;
}

/** Retained messages matching `filter`. */
export function retainedSnapshots(ctx: BrokerContext, filter: string): RetainedSnapshot[] {
  const out: Message[] = [];
  ctx.retained.match(filter, out);
  return out.map(retainedView);
}

/** The retained message of one topic name, or undefined. */
export function retainedSnapshot(ctx: BrokerContext, topic: string): RetainedSnapshot | undefined {
  const m = ctx.retained.get(topic);
  return m === undefined ? undefined : retainedView(m);
}

function retainedView(m: Message): RetainedSnapshot {
  return { topic: m.topic, payload: m.payload, qos: m.qos, properties: m.properties };
}

/** Inflight and offline-queue depths over all sessions, computed now. */
export function queueDepths(ctx: BrokerContext): QueueDepths {
  let inflight = 0;
  let inflightMax = 0;
  let queued = 0;
  let queuedMax = 0;
  for (const s of ctx.registry.sessions.values()) {
    const i = s.inflight.size;
    const q = s.queue.size;
    inflight += i;
    queued += q;
    if (i > inflightMax) inflightMax = i;
    if (q > queuedMax) queuedMax = q;
  }
  return { inflight, inflightMax, queued, queuedMax };
}

/** Packets by type, PUBLISH by QoS, refusals by reason code, drops by reason. */
export function detailedStats(ctx: BrokerContext): DetailedStats {
  const s = ctx.stats;
  return {
    packetsReceivedByType: s.packetsReceivedByType,
    packetsSentByType: s.packetsSentByType,
    publishReceivedByQoS: s.publishReceivedByQoS,
    publishSentByQoS: s.publishSentByQoS,
    connectionsRefusedByReason: s.connectionsRefusedByReason,
    droppedByReason: s.droppedByReason,
    limitsReached: s.limitsReached,
  };
}

/** A webhook hook's endpoint (credentials removed) and its delivery counters. */
export interface WebhookStatus extends BatcherStats {
  readonly id: string;
  readonly url: string;
}

/** Every webhook hook in the chain, with its counters. */
export function webhookStatuses(ctx: BrokerContext): WebhookStatus[] {
  return ctx.hooks.hooks.filter((h): h is Webhook => h instanceof Webhook).map((w) => ({ id: w.id, url: redactUrl(w.url), ...w.stats() }));
}
