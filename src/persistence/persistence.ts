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

/** Everything a broker restores at start. */
export interface PersistedState {
  readonly sessions: SessionRecord[];
  readonly subscriptions: SubscriptionRecord[];
  readonly retained: MessageRecord[];
  readonly queued: { clientId: string; message: MessageRecord; qos: QoS }[];
}

/**
 * Durable storage of broker state. Writes may be batched; `flush()` resolves once everything
 * written so far is durable. Memory-only brokers use MemoryPersistence.
 */
export interface Persistence {
  /** False when nothing survives a restart: the broker skips record building on the hot path. */
  readonly durable: boolean;
  open(): Promise<PersistedState>;
  saveSession(record: SessionRecord): void;
  deleteSession(clientId: string): void;
  saveSubscription(record: SubscriptionRecord): void;
  deleteSubscription(clientId: string, topicFilter: string): void;
  saveRetained(record: MessageRecord): void;
  deleteRetained(topic: string): void;
  flush(): Promise<void>;
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
