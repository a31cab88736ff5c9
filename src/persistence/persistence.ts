// The Persistence seam: a journal of broker state changes (sessions, subscriptions, retained messages, the messages
// persistent sessions are owed and their QoS state, inbound QoS 2 ids), made durable in batches by commit().
import type { Properties, QoS } from '../codec/types.js';

/** A stored message (retained, queued or in flight). */
export interface MessageRecord {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
  readonly origin: string | null;
  /** Absolute expiry, ms since the epoch; 0 = never. */
  readonly expiresAt: number;
}

/** A will kept with its session until it is sent or discarded. */
export interface WillRecord {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
  /** Will Delay Interval, seconds (0 for 3.x). */
  readonly delay: number;
}

/** A stored session. */
export interface SessionRecord {
  readonly clientId: string;
  readonly protocolVersion: 3 | 4 | 5;
  /** Session Expiry Interval, seconds (0xFFFFFFFF = never). */
  readonly expiryInterval: number;
  /** ms since epoch when it went offline, 0 while connected. */
  readonly disconnectedAt: number;
  /** Absolute expiry deadline, ms since the epoch: 0 while connected or when it never expires. */
  readonly expiresAt?: number;
  /** The will the session holds: of the connected client, or a delayed will waiting for `willDueAt`. */
  readonly will?: WillRecord;
  /** Absolute time a delayed will is due, ms since the epoch; 0 or absent while none waits. */
  readonly willDueAt?: number;
}

/** A stored subscription. */
export interface SubscriptionRecord {
  readonly clientId: string;
  readonly topicFilter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  readonly identifier: number;
}

/**
 * A message a persistent session is owed: queued (`packetId` 0), sent and awaiting PUBACK/PUBREC (`packetId` set), or
 * released (PUBREC received, PUBREL sent, awaiting PUBCOMP). `seq` orders one session's deliveries and names them.
 */
export interface DeliveryRecord {
  readonly clientId: string;
  /** Broker-wide increasing number: the order the session receives its messages in. */
  readonly seq: number;
  readonly message: MessageRecord;
  /** QoS it is delivered at (the minimum of the published and the granted QoS). */
  readonly qos: QoS;
  /** Retain flag to send. */
  readonly retain: boolean;
  readonly subscriptionIds: number[] | undefined;
  /** Packet id once sent, 0 while queued. */
  readonly packetId: number;
  readonly released: boolean;
}

/** Everything a broker restores at start. */
export interface PersistedState {
  readonly sessions: SessionRecord[];
  readonly subscriptions: SubscriptionRecord[];
  readonly retained: MessageRecord[];
  /** Every client's deliveries, in any order (the broker orders them by `seq`). */
  readonly deliveries: DeliveryRecord[];
  /** Inbound QoS 2 packet ids received (PUBREC sent) and not yet released by PUBREL [MQTT-4.3.3-10]. */
  readonly inboundQoS2: { clientId: string; packetId: number }[];
}

/**
 * Durable storage of broker state, written as a journal. The write methods only record a change and never throw;
 * `commit()` makes every change recorded before the call durable (one commit per event-loop turn, however many
 * changes) and rejects when storage failed; changes of a failed commit are kept and retried by the next commit, so
 * storage converges on the broker's state once it works again. Reads happen once, in `open()`, which may leave out
 * subscriptions, deliveries and inbound ids of a client that has no session record (the broker never keeps those).
 */
export interface Persistence {
  /** False when nothing survives a restart: the broker then records nothing and never waits. */
  readonly durable: boolean;
  /**
   * Opens storage and returns what it holds; rejects (with a clear message) on a corrupt or foreign store.
   * `sessions: false` (a store shared by the nodes of a cluster) leaves sessions out: each node loads its own with
   * loadClients().
   */
  open(options?: { sessions?: boolean }): Promise<PersistedState>;
  /** A store the nodes of a cluster share: reads the stored state of these clients now. */
  loadClients?(clientIds: readonly string[]): Promise<PersistedState>;
  saveSession(record: SessionRecord): void;
  /** Removes a session with all its subscriptions, deliveries and inbound QoS 2 ids. */
  deleteSession(clientId: string): void;
  saveSubscription(record: SubscriptionRecord): void;
  deleteSubscription(clientId: string, topicFilter: string): void;
  saveRetained(record: MessageRecord): void;
  deleteRetained(topic: string): void;
  /** Adds (or replaces) a delivery. */
  saveDelivery(record: DeliveryRecord): void;
  /** Records a delivery's QoS state: sent with `packetId`, and `released` once PUBREC came back. */
  updateDelivery(clientId: string, seq: number, packetId: number, released: boolean): void;
  /** Removes a delivery: acknowledged (PUBACK, PUBCOMP), expired or moved to another session. */
  deleteDelivery(clientId: string, seq: number): void;
  /** Records an inbound QoS 2 packet id held until its PUBREL. */
  holdInbound(clientId: string, packetId: number): void;
  releaseInbound(clientId: string, packetId: number): void;
  /** Resolves once every change recorded before the call is durable; rejects when storage failed. */
  commit(): Promise<void>;
  /** Commits what is pending and releases storage. */
  close(): Promise<void>;
}

/** An empty PersistedState. */
export function emptyState(): PersistedState {
  return { sessions: [], subscriptions: [], retained: [], deliveries: [], inboundQoS2: [] };
}
