// Broker counters: plain numeric fields so the hot path increments without lookups.
import type { DropReason } from '../hooks/hook.js';

/** Why a message was dropped: a delivery DropReason, or an inbound PUBLISH refused (ACL, $SYS, payload format). */
export type DropCounterReason = DropReason | 'publish-refused';

/** Every drop reason, in a fixed order (metrics labels). */
export const DROP_COUNTER_REASONS: readonly DropCounterReason[] = [
  'queue-full',
  'congested',
  'offline-queue-full',
  'expired',
  'packet-too-large',
  'no-subscribers',
  'inflight-full',
  'client-gone',
  'acl-denied',
  'rejected-by-hook',
  'qos-not-granted',
  'shutdown',
  'storage-full',
  'publish-refused',
];

/** A configured limit that can be reached: a capability name, or a per-client publish rate. */
export type LimitName =
  | 'maximumClients'
  | 'memoryHighWaterMark'
  | 'maximumPacketSize'
  | 'maximumClientIdLength'
  | 'maximumTopicLength'
  | 'maximumTopicLevels'
  | 'maximumUserProperties'
  | 'maximumSubscriptionsPerClient'
  | 'maximumRetainedMessages'
  | 'maximumRetainedBytes'
  | 'maximumQueuedMessages'
  | 'maximumQueuedBytes'
  | 'maximumInflight'
  | 'receiveMaximum'
  | 'publishPerSecond'
  | 'publishBytesPerSecond';

/** Every limit, in a fixed order (metrics labels). */
export const LIMIT_NAMES: readonly LimitName[] = [
  'maximumClients',
  'memoryHighWaterMark',
  'maximumPacketSize',
  'maximumClientIdLength',
  'maximumTopicLength',
  'maximumTopicLevels',
  'maximumUserProperties',
  'maximumSubscriptionsPerClient',
  'maximumRetainedMessages',
  'maximumRetainedBytes',
  'maximumQueuedMessages',
  'maximumQueuedBytes',
  'maximumInflight',
  'receiveMaximum',
  'publishPerSecond',
  'publishBytesPerSecond',
];

/** Counters and gauges of one broker; read by $SYS, metrics and the management API. */
export class BrokerStats {
  readonly startedAt = Date.now();
  clientsConnected = 0;
  clientsMaximum = 0;
  clientsTotal = 0;
  /** Connections of connected clients that closed since start (a counter). */
  disconnections = 0;
  connectionsRefused = 0;
  messagesReceived = 0;
  messagesSent = 0;
  messagesDropped = 0;
  publishReceived = 0;
  publishSent = 0;
  bytesReceived = 0;
  bytesSent = 0;
  packetsReceived = 0;
  packetsSent = 0;
  retainedMessages = 0;
  subscriptions = 0;
  inflight = 0;
  sessions = 0;
  /** Payload bytes of the retained messages stored. */
  retainedBytes = 0;
  /** Commits of durable storage that succeeded. */
  storageCommits = 0;
  /** Storage failures: commits that failed (what waited for them was refused), writes or a close that threw. */
  persistenceErrors = 0;
  /** Bytes of messages in durable storage, as counted against `maximumStoredBytes`. */
  storedBytes = 0;
  /** Bytes buffered on the sockets that push back (clients reading slower than they are sent to); a gauge. */
  outboundBufferedBytes = 0;
  /** Connections closed because their client read nothing for outboundStallTimeout. */
  stalledDisconnects = 0;
  /** Retained messages not stored because of maximumRetainedMessages or maximumRetainedBytes. */
  retainedRefused = 0;
  /** Control packets received, indexed by packet type (1–15). */
  readonly packetsReceivedByType: number[] = new Array<number>(16).fill(0);
  /** Control packets sent, indexed by packet type (1–15). */
  readonly packetsSentByType: number[] = new Array<number>(16).fill(0);
  /** PUBLISH received, indexed by QoS. */
  readonly publishReceivedByQoS: number[] = [0, 0, 0];
  /** PUBLISH sent, indexed by QoS. */
  readonly publishSentByQoS: number[] = [0, 0, 0];
  /** Connections refused, indexed by reason code; index 0 = closed at accept by an onAccept hook. */
  readonly connectionsRefusedByReason: number[] = new Array<number>(256).fill(0);
  /** Times each limit was reached (a refusal, a drop, or a message made to wait for the inflight window). */
  readonly limitsReached: Record<LimitName, number> = Object.fromEntries(LIMIT_NAMES.map((l) => [l, 0])) as Record<LimitName, number>;
  /** True while process memory is above memoryHighWaterMark (new connections are refused). */
  memoryHigh = false;
  /** Messages dropped, by reason (sums to messagesDropped). */
  readonly droppedByReason: Record<DropCounterReason, number> = Object.fromEntries(DROP_COUNTER_REASONS.map((r) => [r, 0])) as Record<DropCounterReason, number>;

  /** Sessions kept for clients that are offline: persistent sessions whose client is not connected (a gauge, as in Mosquitto). */
  get clientsDisconnected(): number {
    return Math.max(0, this.sessions - this.clientsConnected);
  }

  /** Times any limit was reached (the sum of limitsReached). */
  get limitsReachedTotal(): number {
    let n = 0;
    for (const l of LIMIT_NAMES) n += this.limitsReached[l];
    return n;
  }

  /** A snapshot as a plain object. */
  snapshot(): Record<string, number> {
    return {
      uptime: Math.floor((Date.now() - this.startedAt) / 1000),
      clientsConnected: this.clientsConnected,
      clientsMaximum: this.clientsMaximum,
      clientsTotal: this.clientsTotal,
      clientsDisconnected: this.clientsDisconnected,
      disconnections: this.disconnections,
      connectionsRefused: this.connectionsRefused,
      messagesReceived: this.messagesReceived,
      messagesSent: this.messagesSent,
      messagesDropped: this.messagesDropped,
      publishReceived: this.publishReceived,
      publishSent: this.publishSent,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      retainedMessages: this.retainedMessages,
      subscriptions: this.subscriptions,
      inflight: this.inflight,
      sessions: this.sessions,
      retainedBytes: this.retainedBytes,
      storageCommits: this.storageCommits,
      persistenceErrors: this.persistenceErrors,
      storedBytes: this.storedBytes,
      retainedRefused: this.retainedRefused,
      limitsReachedTotal: this.limitsReachedTotal,
      memoryHigh: this.memoryHigh ? 1 : 0,
      outboundBufferedBytes: this.outboundBufferedBytes,
      stalledDisconnects: this.stalledDisconnects,
    };
  }
}
