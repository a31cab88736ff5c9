// $SYS topics: broker statistics published as retained messages every interval.
import { freemem, totalmem } from 'node:os';
import type { BrokerContext } from '../context.js';
import { createMessage } from '../routing/message.js';
import { EMPTY_PROPERTIES } from '../codec/types.js';

/** The $SYS topics Swiftlet publishes, and where each value comes from (documented in docs/sys-topics.md). */
export const SYS_TOPICS: readonly { topic: string; describe: string }[] = [
  { topic: '$SYS/broker/version', describe: 'Swiftlet version' },
  { topic: '$SYS/broker/uptime', describe: 'seconds since the broker started' },
  { topic: '$SYS/broker/time', describe: 'broker time, ms since the epoch' },
  { topic: '$SYS/broker/clients/connected', describe: 'clients connected now' },
  { topic: '$SYS/broker/clients/disconnected', describe: 'persistent sessions whose client is offline' },
  { topic: '$SYS/broker/clients/maximum', describe: 'most clients connected at once since start' },
  { topic: '$SYS/broker/clients/total', describe: 'connections accepted since start' },
  { topic: '$SYS/broker/connections/refused', describe: 'connections refused since start' },
  { topic: '$SYS/broker/messages/received', describe: 'PUBLISH messages received since start' },
  { topic: '$SYS/broker/messages/sent', describe: 'PUBLISH messages sent since start' },
  { topic: '$SYS/broker/messages/dropped', describe: 'messages dropped (queues full, expired, too large) since start' },
  { topic: '$SYS/broker/messages/dropped/congested', describe: 'QoS 0 messages dropped since start because the receiver read too slowly' },
  { topic: '$SYS/broker/clients/stalled', describe: 'connections closed since start because their client read nothing for outboundStallTimeout' },
  { topic: '$SYS/broker/messages/inflight', describe: 'outbound QoS 1/2 messages awaiting acknowledgement' },
  { topic: '$SYS/broker/messages/retained/count', describe: 'retained messages stored' },
  { topic: '$SYS/broker/packets/received', describe: 'control packets received since start' },
  { topic: '$SYS/broker/packets/sent', describe: 'control packets sent since start' },
  { topic: '$SYS/broker/bytes/received', describe: 'bytes received since start' },
  { topic: '$SYS/broker/bytes/sent', describe: 'bytes sent since start' },
  { topic: '$SYS/broker/subscriptions/count', describe: 'subscriptions (shared included)' },
  { topic: '$SYS/broker/sessions/count', describe: 'sessions (connected and offline)' },
  { topic: '$SYS/broker/limits/reached', describe: 'times a configured limit was reached since start (refusals, drops, messages waiting for the inflight window)' },
  { topic: '$SYS/broker/system/memory/rss', describe: 'resident set size of the process, bytes' },
  { topic: '$SYS/broker/system/memory/heap', describe: 'V8 heap used, bytes' },
  { topic: '$SYS/broker/system/memory/free', describe: 'free system memory, bytes' },
  { topic: '$SYS/broker/system/memory/total', describe: 'total system memory, bytes' },
];

const SYS_PREFIX = '$SYS/broker/';

/** Computes the current value of every $SYS topic. */
export function sysValues(ctx: BrokerContext, version: string): Record<string, string> {
  ctx.retained.purgeExpired(); // expired retained messages are never counted
  const s = ctx.stats;
  const mem = process.memoryUsage();
  return {
    '$SYS/broker/version': `swiftlet ${version}`,
    '$SYS/broker/uptime': String(Math.floor((Date.now() - s.startedAt) / 1000)),
    '$SYS/broker/time': String(Date.now()),
    '$SYS/broker/clients/connected': String(s.clientsConnected),
    '$SYS/broker/clients/disconnected': String(s.clientsDisconnected),
    '$SYS/broker/clients/maximum': String(s.clientsMaximum),
    '$SYS/broker/clients/total': String(s.clientsTotal),
    '$SYS/broker/connections/refused': String(s.connectionsRefused),
    '$SYS/broker/messages/received': String(s.messagesReceived),
    '$SYS/broker/messages/sent': String(s.messagesSent),
    '$SYS/broker/messages/dropped': String(s.messagesDropped),
    '$SYS/broker/messages/dropped/congested': String(s.droppedByReason.congested),
    '$SYS/broker/clients/stalled': String(s.stalledDisconnects),
    '$SYS/broker/messages/inflight': String(s.inflight),
    '$SYS/broker/messages/retained/count': String(s.retainedMessages),
    '$SYS/broker/packets/received': String(s.packetsReceived),
    '$SYS/broker/packets/sent': String(s.packetsSent),
    '$SYS/broker/bytes/received': String(s.bytesReceived),
    '$SYS/broker/bytes/sent': String(s.bytesSent),
    '$SYS/broker/subscriptions/count': String(s.subscriptions),
    '$SYS/broker/sessions/count': String(s.sessions),
    '$SYS/broker/limits/reached': String(s.limitsReachedTotal),
    '$SYS/broker/system/memory/rss': String(mem.rss),
    '$SYS/broker/system/memory/heap': String(mem.heapUsed),
    '$SYS/broker/system/memory/free': String(freemem()),
    '$SYS/broker/system/memory/total': String(totalmem()),
  };
}

/** Publishes the $SYS topics every `intervalSeconds` (retained, QoS 0) and fires onSysTick. */
export class SysPublisher {
  readonly #ctx: BrokerContext;
  readonly #intervalMs: number;
  readonly #version: string;
  readonly #more: (() => Record<string, string>) | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** `more` adds topics of parts outside the core (per-bridge state). */
  constructor(ctx: BrokerContext, intervalSeconds: number, version: string, more?: () => Record<string, string>) {
    this.#ctx = ctx;
    this.#intervalMs = intervalSeconds * 1000;
    this.#version = version;
    this.#more = more;
  }

  start(): void {
    if (this.#intervalMs <= 0 || this.#timer !== undefined) return;
    this.publishNow();
    this.#timer = setInterval(() => this.publishNow(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Publishes every $SYS value once. */
  publishNow(): void {
    const ctx = this.#ctx;
    const values = sysValues(ctx, this.#version);
    if (this.#more !== undefined) Object.assign(values, this.#more());
    if (ctx.bus.active) {
      // In a cluster `$SYS/broker/...` describes this node and stays on it; a copy under `$SYS/broker/nodes/<id>/`
      // reaches every node.
      for (const [topic, value] of Object.entries(values)) values[`$SYS/broker/nodes/${ctx.id}/${topic.slice(SYS_PREFIX.length)}`] = value;
    }
    for (const [topic, value] of Object.entries(values)) {
      ctx.router.publish(createMessage(topic, Buffer.from(value), 0, true, EMPTY_PROPERTIES, null, 0), null);
    }
    if (ctx.hooks.onSysTick !== null) ctx.hooks.notify('onSysTick', values);
  }
}
