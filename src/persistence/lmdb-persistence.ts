// Durable storage on LMDB (the `lmdb` package, prebuilt binaries): sessions, subscriptions, retained messages and
// (saved when the broker stops) the pending messages of persistent sessions survive a restart.
// Writes are asynchronous and batched into transactions by lmdb; flush() waits until they are on disk.
import { mkdirSync } from 'node:fs';
import type { Database, RootDatabase } from 'lmdb';
import type { MessageRecord, PersistedState, Persistence, PersistenceWrite, QueuedRecord, SessionRecord, SubscriptionRecord } from './persistence.js';

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

/** The open environment and its sub-databases. */
interface OpenDatabases {
  readonly root: RootDatabase;
  readonly sessions: Database<SessionRecord, string>;
  readonly subscriptions: Database<SubscriptionRecord, string>;
  readonly retained: Database<MessageRecord, string>;
  readonly queued: Database<QueuedRecord, string>;
}

/** A Persistence on an LMDB environment in `path`. */
export class LmdbPersistence implements Persistence {
  readonly durable = true;
  readonly #options: LmdbPersistenceOptions;
  // Undefined before open() and from close() on: writes then are dropped (a socket that closes after the broker
  // stopped still reports its session going offline).
  #db: OpenDatabases | undefined;

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
    // overlappingSync off: each commit is synced by the write thread itself, with no separate flush thread to
    // outlive close(); flush() then means on disk.
    const root = open({ path: this.#options.path, mapSize: this.#options.mapSize ?? 2 ** 30, compression: false, maxDbs: 8, overlappingSync: false });
    const db: OpenDatabases = {
      root,
      sessions: root.openDB<SessionRecord, string>({ name: 'sessions' }),
      subscriptions: root.openDB<SubscriptionRecord, string>({ name: 'subscriptions' }),
      retained: root.openDB<MessageRecord, string>({ name: 'retained' }),
      queued: root.openDB<QueuedRecord, string>({ name: 'queued' }),
    };
    this.#db = db;
    return {
      sessions: [...db.sessions.getRange().map(({ value }) => value)],
      subscriptions: [...db.subscriptions.getRange().map(({ value }) => value)],
      retained: [...db.retained.getRange().map(({ value }) => value)],
      // Keys sort by client id, then by position: each client's records come back in order.
      queued: [...db.queued.getRange().map(({ value }) => value)],
    };
  }

  // Writes return lmdb's promise of the commit: the broker reports a rejection (and a key lmdb refuses, which throws
  // here) through onError, a warning and a metric.
  saveSession(record: SessionRecord): PersistenceWrite {
    return this.#db?.sessions.put(record.clientId, { ...record });
  }

  deleteSession(clientId: string): PersistenceWrite {
    const db = this.#db;
    if (db === undefined) return;
    // In a transaction queued behind earlier writes, so records saved but not yet committed are seen and removed.
    return db.root.transaction(() => {
      db.sessions.removeSync(clientId);
      removeClientRange(db.subscriptions, clientId);
      removeClientRange(db.queued, clientId);
    });
  }

  saveQueued(clientId: string, records: QueuedRecord[]): PersistenceWrite {
    const db = this.#db;
    if (db === undefined) return;
    const copies = records.map((r) => ({ ...r, message: { ...r.message } }));
    return db.root.transaction(() => {
      removeClientRange(db.queued, clientId);
      // Zero-padded positions keep the order under LMDB's byte-wise key order.
      for (let i = 0; i < copies.length; i++) db.queued.putSync(clientId + SEP + String(i).padStart(10, '0'), copies[i]!);
    });
  }

  saveSubscription(record: SubscriptionRecord): PersistenceWrite {
    return this.#db?.subscriptions.put(record.clientId + SEP + record.topicFilter, { ...record });
  }

  deleteSubscription(clientId: string, topicFilter: string): PersistenceWrite {
    return this.#db?.subscriptions.remove(clientId + SEP + topicFilter);
  }

  saveRetained(record: MessageRecord): PersistenceWrite {
    return this.#db?.retained.put(record.topic, record);
  }

  deleteRetained(topic: string): PersistenceWrite {
    return this.#db?.retained.remove(topic);
  }

  async flush(): Promise<void> {
    if (this.#db !== undefined) await this.#db.root.flushed;
  }

  async close(): Promise<void> {
    const db = this.#db;
    if (db === undefined) return;
    this.#db = undefined;
    await db.root.flushed;
    await db.root.close();
  }
}

// Removes every key of one client (`clientId NUL ...`); call inside a write transaction.
function removeClientRange<V>(db: Database<V, string>, clientId: string): void {
  for (const key of db.getKeys({ start: clientId + SEP, end: clientId + SEP_END })) db.removeSync(key);
}
