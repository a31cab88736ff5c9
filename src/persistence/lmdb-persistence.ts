// Durable storage on LMDB (the `lmdb` package, prebuilt binaries): sessions, subscriptions, retained messages and
// (saved when the broker stops) the pending messages of persistent sessions survive a restart.
// Writes are asynchronous and batched into transactions by lmdb; flush() waits until they are on disk.
import { mkdirSync } from 'node:fs';
import type { Database, RootDatabase } from 'lmdb';
import type { MessageRecord, PersistedState, Persistence, QueuedRecord, SessionRecord, SubscriptionRecord } from './persistence.js';

/** Options of LmdbPersistence. */
export interface LmdbPersistenceOptions {
  /** Directory of the database (created when missing). */
  path: string;
  /** Largest size the database may grow to, bytes; default 1 GiB. */
  mapSize?: number;
}

// Subscription keys are `clientId NUL filter`: MQTT strings never contain U+0000 [MQTT-1.5.4-2], so the NUL
// separates unambiguously and all of one client's subscriptions form one key range (NUL to U+0001).
const SEP = '\u0000';
const SEP_END = '\u0001';

/** A Persistence on an LMDB environment in `path`. */
export class LmdbPersistence implements Persistence {
  readonly durable = true;
  readonly #options: LmdbPersistenceOptions;
  #root: RootDatabase | undefined;
  #sessions: Database<SessionRecord, string> | undefined;
  #subscriptions: Database<SubscriptionRecord, string> | undefined;
  #retained: Database<MessageRecord, string> | undefined;
  #queued: Database<QueuedRecord, string> | undefined;

  constructor(options: LmdbPersistenceOptions) {
    this.#options = options;
  }

  /** Directory of the database. */
  get path(): string {
    return this.#options.path;
  }

  async open(): Promise<PersistedState> {
    mkdirSync(this.#options.path, { recursive: true });
    // Loaded here, not at import: a broker that never uses LMDB never loads its native binding.
    const { open } = await import('lmdb');
    const root = open({ path: this.#options.path, mapSize: this.#options.mapSize ?? 2 ** 30, compression: false, maxDbs: 8 });
    this.#root = root;
    this.#sessions = root.openDB<SessionRecord, string>({ name: 'sessions' });
    this.#subscriptions = root.openDB<SubscriptionRecord, string>({ name: 'subscriptions' });
    this.#retained = root.openDB<MessageRecord, string>({ name: 'retained' });
    this.#queued = root.openDB<QueuedRecord, string>({ name: 'queued' });
    const state: PersistedState = {
      sessions: [...this.#sessions.getRange().map(({ value }) => value)],
      subscriptions: [...this.#subscriptions.getRange().map(({ value }) => value)],
      retained: [...this.#retained.getRange().map(({ value }) => value)],
      // Keys sort by client id, then by position: each client's records come back in order.
      queued: [...this.#queued.getRange().map(({ value }) => value)],
    };
    return state;
  }

  saveSession(record: SessionRecord): void {
    void this.#db(this.#sessions).put(record.clientId, { ...record });
  }

  deleteSession(clientId: string): void {
    const sessions = this.#db(this.#sessions);
    const subscriptions = this.#db(this.#subscriptions);
    const queued = this.#db(this.#queued);
    // In a transaction queued behind earlier writes, so subscriptions saved but not yet committed are seen and removed.
    void this.#root!.transaction(() => {
      sessions.removeSync(clientId);
      removeClientRange(subscriptions, clientId);
      removeClientRange(queued, clientId);
    });
  }

  saveQueued(clientId: string, records: QueuedRecord[]): void {
    const queued = this.#db(this.#queued);
    const copies = records.map((r) => ({ ...r, message: { ...r.message } }));
    void this.#root!.transaction(() => {
      removeClientRange(queued, clientId);
      // Zero-padded positions keep the order under LMDB's byte-wise key order.
      for (let i = 0; i < copies.length; i++) queued.putSync(clientId + SEP + String(i).padStart(10, '0'), copies[i]!);
    });
  }

  saveSubscription(record: SubscriptionRecord): void {
    void this.#db(this.#subscriptions).put(record.clientId + SEP + record.topicFilter, { ...record });
  }

  deleteSubscription(clientId: string, topicFilter: string): void {
    void this.#db(this.#subscriptions).remove(clientId + SEP + topicFilter);
  }

  saveRetained(record: MessageRecord): void {
    // Only the record's own fields: a routed Message also carries encodings that must not be stored.
    const { topic, payload, qos, retain, properties, origin, expiresAt } = record;
    void this.#db(this.#retained).put(topic, { topic, payload, qos, retain, properties, origin, expiresAt });
  }

  deleteRetained(topic: string): void {
    void this.#db(this.#retained).remove(topic);
  }

  async flush(): Promise<void> {
    if (this.#root !== undefined) await this.#root.flushed;
  }

  async close(): Promise<void> {
    const root = this.#root;
    if (root === undefined) return;
    this.#root = undefined;
    await root.flushed;
    await root.close();
  }

  #db<V>(db: Database<V, string> | undefined): Database<V, string> {
    if (db === undefined || this.#root === undefined) throw new Error('LmdbPersistence is not open');
    return db;
  }
}

// Removes every key of one client (`clientId NUL ...`); call inside a write transaction.
function removeClientRange<V>(db: Database<V, string>, clientId: string): void {
  for (const key of db.getKeys({ start: clientId + SEP, end: clientId + SEP_END })) db.removeSync(key);
}
