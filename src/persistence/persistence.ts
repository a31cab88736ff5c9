// The Persistence seam: durable records of sessions, subscriptions, retained messages and queued messages.
import type { Properties, QoS } from '../codec/types.js';

/** A stored message (retained, queued or inflight). */
export interface MessageRecord {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
  readonly origin: string | null;
  readonly expiresAt: number;
}

/** A stored session. */
export interface SessionRecord {
  readonly clientId: string;
  readonly protocolVersion: 3 | 4 | 5;
  readonly expiryInterval: number;
  /** ms since epoch when it went offline, 0 while connected. */
  readonly disconnectedAt: number;
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
 * A QoS 1/2 message a session has not completed: in flight (`packetId` set; `released` once PUBREL was sent) or
 * queued (no `packetId`), in the order the session would send it.
 */
export interface QueuedRecord {
  readonly clientId: string;
  readonly message: MessageRecord;
  readonly qos: QoS;
  /** Retain flag to send (false when absent). */
  readonly retain?: boolean;
  readonly subscriptionIds?: number[];
  /** Packet id of a message already sent and not yet acknowledged. */
  readonly packetId?: number;
  readonly released?: boolean;
}

/** Everything a broker restores at start. */
export interface PersistedState {
  readonly sessions: SessionRecord[];
  readonly subscriptions: SubscriptionRecord[];
  readonly retained: MessageRecord[];
  readonly queued: QueuedRecord[];
}

/**
 * What a write of a Persistence returns: nothing, or a promise of its completion. The broker never waits for it; a
 * write that throws or whose promise rejects is reported (onError with `where: 'persistence'`, a warning, the
 * persistence error counter) and the broker carries on.
 */
export type PersistenceWrite = void | Promise<unknown>;

/**
 * Durable storage of broker state. Writes may be batched; `flush()` resolves once everything
 * written so far is durable. Memory-only brokers use MemoryPersistence.
 */
export interface Persistence {
  /** False when nothing survives a restart: the broker skips record building on the hot path. */
  readonly durable: boolean;
  open(): Promise<PersistedState>;
  saveSession(record: SessionRecord): PersistenceWrite;
  deleteSession(clientId: string): PersistenceWrite;
  saveSubscription(record: SubscriptionRecord): PersistenceWrite;
  deleteSubscription(clientId: string, topicFilter: string): PersistenceWrite;
  saveRetained(record: MessageRecord): PersistenceWrite;
  deleteRetained(topic: string): PersistenceWrite;
  /**
   * Replaces everything stored as pending for `clientId` with `records` (empty = none). The broker calls it for every
   * persistent session when it stops, so a graceful restart keeps queued and in-flight messages. Optional: without it
   * they are not kept.
   */
  saveQueued?(clientId: string, records: QueuedRecord[]): PersistenceWrite;
  /** Resolves once every write so far is durable; a rejection is reported like a failed write. */
  flush(): Promise<void>;
  /** Releases the storage; a rejection is reported like a failed write. */
  close(): Promise<void>;
}

/** Keeps records in memory only (state lives in the broker's own structures): the default. */
export class MemoryPersistence implements Persistence {
  readonly durable = false;
  open(): Promise<PersistedState> {
    return Promise.resolve({ sessions: [], subscriptions: [], retained: [], queued: [] });
  }
  saveSession(): void {}
  deleteSession(): void {}
  saveSubscription(): void {}
  deleteSubscription(): void {}
  saveRetained(): void {}
  deleteRetained(): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
