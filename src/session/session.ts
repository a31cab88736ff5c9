// Session state that outlives a connection: subscriptions, inflight messages both ways, the offline queue.
import type { Properties, ProtocolVersion, QoS, Will } from '../codec/types.js';
import type { Connection } from '../connection/connection.js';
import type { ClientInfo } from '../hooks/hook.js';
import type { Message } from '../routing/message.js';
import type { Subscription } from './subscription.js';
import type { SharedGroup } from '../topics/subscription-trie.js';

/** An outbound QoS 1/2 PUBLISH awaiting its acknowledgement. */
export interface InflightEntry {
  readonly packetId: number;
  readonly message: Message;
  readonly qos: 1 | 2;
  /** Retain flag as sent. */
  readonly retain: boolean;
  readonly subscriptionIds: number[] | undefined;
  /** The shared subscription group it was sent through, so it can go to another member if this session ends. */
  readonly group: SharedGroup<Subscription> | undefined;
  /** false: waiting for PUBACK/PUBREC; true: PUBREL sent, waiting for PUBCOMP. */
  released: boolean;
}

/** A delivery waiting for the client to connect or for room in the inflight window. */
export interface QueuedDelivery {
  readonly message: Message;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds: number[] | undefined;
  readonly group: SharedGroup<Subscription> | undefined;
}

/** A will held by the session: sent on abnormal close, after its delay. */
export interface PendingWill {
  readonly will: Will;
  /** Will Delay Interval in seconds (5.0), 0 for 3.x. */
  readonly delay: number;
}

/** Shared empty collections handed out before a session needs its own; they refuse writes. */
class EmptyMap<K, V> extends Map<K, V> {
  override set(): this {
    throw new Error('internal: write to a shared empty map');
  }
}
class EmptySet<T> extends Set<T> {
  override add(): this {
    throw new Error('internal: write to a shared empty set');
  }
}
const NO_INFLIGHT = new EmptyMap<number, InflightEntry>();
const NO_IDS = new EmptySet<number>();

/** Receives messages of an inline subscription. */
export type InlineHandler = (message: InlineMessage) => void;

/** A message as the embedding program's subscription handler sees it. */
export interface InlineMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
  /** Client id of the publisher, null for the broker and the inline client. */
  readonly publisher: string | null;
}

/** True when a session offline since `disconnectedAt` (ms) has outlived its Session Expiry Interval (s) at `now`; 0xFFFFFFFF never expires. */
export function sessionExpired(expiryInterval: number, disconnectedAt: number, now: number): boolean {
  return expiryInterval !== 0xffffffff && disconnectedAt + expiryInterval * 1000 <= now;
}

/** The state of one client session, kept across connections while it has not expired. */
export class Session {
  readonly clientId: string;
  /** The connection currently attached, or null while offline. */
  connection: Connection | null = null;
  protocolVersion: ProtocolVersion;
  /** The client as last connected, for hooks fired while offline (delayed will, expiry). */
  lastClient: ClientInfo | null = null;
  readonly subscriptions = new Map<string, Subscription>();
  // Created on first use: most sessions never have anything in flight, and idle clients are many.
  #inflight: Map<number, InflightEntry> | null = null;
  #inboundQoS2: Set<number> | null = null;

  /** Outbound QoS 1/2 messages by packet id, in send order (Map keeps insertion order). Add with addInflight(). */
  get inflight(): ReadonlyMap<number, InflightEntry> & { delete(id: number): boolean; clear(): void } {
    return this.#inflight ?? NO_INFLIGHT;
  }

  /** Records an outbound QoS 1/2 message awaiting acknowledgement. */
  addInflight(entry: InflightEntry): void {
    (this.#inflight ??= new Map()).set(entry.packetId, entry);
  }

  /** Packet ids of inbound QoS 2 messages received and not yet released [MQTT-4.3.3-10]: duplicates are not re-routed. Add with holdInboundQoS2(). */
  get inboundQoS2(): ReadonlySet<number> & { delete(id: number): boolean } {
    return this.#inboundQoS2 ?? NO_IDS;
  }

  /** Holds an inbound QoS 2 packet id until its PUBREL. */
  holdInboundQoS2(packetId: number): void {
    (this.#inboundQoS2 ??= new Set()).add(packetId);
  }
  /** Deliveries waiting; a ring-free queue compacted when the head passes half. */
  queue: QueuedDelivery[] = [];
  queueHead = 0;
  /** Session Expiry Interval in seconds (0xFFFFFFFF = never). */
  expiryInterval = 0;
  /** ms since epoch when the session went offline; 0 while connected. */
  disconnectedAt = 0;
  /** The will of the attached connection. */
  will: PendingWill | null = null;
  /** ms since epoch at which a delayed will is due, 0 when none is waiting. */
  willDueAt = 0;
  /** For inline (in-process) subscriptions: called instead of writing to a connection. */
  inlineHandler: InlineHandler | null = null;
  /** Messages dropped for this session (queue full, expired, too large). */
  dropped = 0;
  #nextPacketId = 1;

  // Routing scratch, valid only inside one routing pass (epoch-tagged, so no Map per publish).
  routeEpoch = 0;
  routeQoS: QoS = 0;
  routeRetainAsPublished = false;
  routeSubscriptionIds: number[] | undefined = undefined;

  constructor(clientId: string, protocolVersion: ProtocolVersion) {
    this.clientId = clientId;
    this.protocolVersion = protocolVersion;
  }

  /** Number of queued deliveries. */
  get queuedCount(): number {
    return this.queue.length - this.queueHead;
  }

  /** Appends a delivery; the caller checks the bound. */
  enqueue(delivery: QueuedDelivery): void {
    this.queue.push(delivery);
  }

  /** Takes the oldest queued delivery. */
  dequeue(): QueuedDelivery | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const d = this.queue[this.queueHead];
    this.queue[this.queueHead] = undefined as unknown as QueuedDelivery;
    this.queueHead++;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return d;
  }

  /** Drops every queued delivery and returns how many there were. */
  clearQueue(): number {
    const n = this.queuedCount;
    this.queue = [];
    this.queueHead = 0;
    return n;
  }

  /**
   * Allocates an unused non-zero packet id [MQTT-2.2.1-4]; 0 when all 65535 are in use.
   * Inbound and outbound ids are separate spaces, so only the outbound inflight map is consulted.
   */
  allocatePacketId(): number {
    if (this.inflight.size >= 65535) return 0;
    let id = this.#nextPacketId;
    while (this.inflight.has(id)) id = id === 65535 ? 1 : id + 1;
    this.#nextPacketId = id === 65535 ? 1 : id + 1;
    return id;
  }
}
