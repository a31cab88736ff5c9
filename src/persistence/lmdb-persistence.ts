// Durable storage on LMDB (the `lmdb` package, prebuilt binaries). Changes are recorded in memory and written by
// commit() as one transaction, synced to disk before its promise resolves: one sync per batch, never per message.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import type { Change } from './change-log.js';
import { JournalingPersistence } from './journaling-persistence.js';
import { SwiftletError } from '../errors.js';
import type { DeliveryRecord, MessageRecord, PersistedState, SessionRecord, SubscriptionRecord } from './persistence.js';

/** Options of LmdbPersistence. */
export interface LmdbPersistenceOptions {
  /** Directory of the database (created when missing). */
  path: string;
  /** Largest size the database file may grow to, bytes; default 1 GiB. */
  mapSize?: number;
}

/** What `meta/format` holds in a Swiftlet database; another value (or none in a non-empty database) is refused. */
export const LMDB_FORMAT = { name: 'swiftlet', version: 2 } as const;

// Keys are `clientId NUL rest`: MQTT strings never contain U+0000 [MQTT-1.5.4-2], so the NUL separates unambiguously
// and all of one client's records form one key range (NUL to U+0001).
const SEP = '\u0000';
const SEP_END = '\u0001';

// LMDB refuses keys over 1978 bytes, and MQTT client ids, topics and filters may be far longer. A key part (client id,
// topic, filter) of more than KEY_PART_MAX bytes is stored under its SHA-256 instead, behind a prefix that stays
// unambiguous because a short part starting with it is hashed too; the full strings stay in the values, which are
// what open() reads. Two parts (client id, then topic filter) and a separator stay under the limit. (A leading
// control character would be read back by lmdb's key encoding as another type, hence a printable prefix.)
const KEY_PART_MAX = 900;
const HASHED = '#sha256:';
function keyPart(s: string): string {
  if (s.length * 3 <= KEY_PART_MAX && !s.startsWith(HASHED)) return s;
  if (Buffer.byteLength(s) <= KEY_PART_MAX && !s.startsWith(HASHED)) return s;
  return HASHED + createHash('sha256').update(s).digest('hex');
}

/** The state of a delivery, kept apart from the message so a PUBACK or PUBREC rewrites a few bytes only. */
interface DeliveryState {
  readonly packetId: number;
  readonly released: boolean;
}

interface OpenDatabases {
  readonly root: RootDatabase;
  readonly meta: Database<unknown, string>;
  readonly sessions: Database<SessionRecord, string>;
  readonly subscriptions: Database<SubscriptionRecord, string>;
  readonly retained: Database<MessageRecord, string>;
  readonly deliveries: Database<DeliveryRecord, string>;
  readonly deliveryStates: Database<DeliveryState, string>;
  /** `true`, or the client id when the key holds its hash. */
  readonly inbound: Database<true | string, string>;
}

// Sub-databases a Swiftlet database may hold (`queued`: the pending-message snapshots of format 1, ignored).
const DB_NAMES = ['meta', 'sessions', 'subscriptions', 'retained', 'deliveries', 'delivery-states', 'inbound', 'queued'];

/** A Persistence on an LMDB environment in `path`. */
export class LmdbPersistence extends JournalingPersistence {
  readonly #options: LmdbPersistenceOptions;
  #db: OpenDatabases | undefined;

  constructor(options: LmdbPersistenceOptions) {
    super();
    this.#options = options;
  }

  /** Directory of the database. */
  get path(): string {
    return this.#options.path;
  }

  async open(): Promise<PersistedState> {
    const path = this.#options.path;
    checkDirectory(path);
    mkdirSync(path, { recursive: true });
    // Loaded here, not at import: a broker that never uses LMDB never loads its native binding.
    const { open } = await import('lmdb');
    let root: RootDatabase;
    try {
      // overlappingSync off: a commit's promise resolves once the write thread has synced it, so "committed" means
      // on disk, and no separate flush thread outlives close().
      root = open({ path, mapSize: this.#options.mapSize ?? 2 ** 30, compression: false, maxDbs: 12, overlappingSync: false });
    } catch (err) {
      throw formatError(`${path} is not a readable LMDB database (${err instanceof Error ? err.message : String(err)})`);
    }
    try {
      const meta = root.openDB<unknown, string>({ name: 'meta' });
      const format = meta.get('format') as { name?: unknown; version?: unknown } | undefined;
      if (format === undefined) {
        // A database without our marker is someone else's unless it holds nothing at all.
        const foreign = [...root.getKeys({ limit: 1 })].some((k) => typeof k !== 'string' || !DB_NAMES.includes(k));
        if (foreign) throw formatError(`${path} holds an LMDB database that is not Swiftlet's; refusing to use it`);
        await meta.put('format', LMDB_FORMAT);
      } else if (format.name !== LMDB_FORMAT.name || format.version !== LMDB_FORMAT.version) {
        throw formatError(`${path} holds a database of format ${JSON.stringify(format)}, expected ${JSON.stringify(LMDB_FORMAT)}; refusing to use it`);
      }
      const db: OpenDatabases = {
        root,
        meta,
        sessions: root.openDB<SessionRecord, string>({ name: 'sessions' }),
        subscriptions: root.openDB<SubscriptionRecord, string>({ name: 'subscriptions' }),
        retained: root.openDB<MessageRecord, string>({ name: 'retained' }),
        deliveries: root.openDB<DeliveryRecord, string>({ name: 'deliveries' }),
        deliveryStates: root.openDB<DeliveryState, string>({ name: 'delivery-states' }),
        inbound: root.openDB<true | string, string>({ name: 'inbound' }),
      };
      this.#db = db;
      const deliveries: DeliveryRecord[] = [];
      for (const { key, value } of db.deliveries.getRange()) {
        const state = db.deliveryStates.get(key);
        deliveries.push(state === undefined ? value : { ...value, packetId: state.packetId, released: state.released });
      }
      return {
        sessions: [...db.sessions.getRange().map(({ value }) => value)],
        subscriptions: [...db.subscriptions.getRange().map(({ value }) => value)],
        retained: [...db.retained.getRange().map(({ value }) => value)],
        deliveries,
        inboundQoS2: [...db.inbound.getRange().map(({ key, value }) => splitInboundKey(key as string | string[], value))],
      };
    } catch (err) {
      this.#db = undefined;
      await root.close();
      if (err instanceof SwiftletError) throw err;
      throw formatError(`${path}: cannot read the database (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  async commit(): Promise<void> {
    const db = this.#db;
    if (db === undefined || this.log.size === 0) return;
    const batch = this.log.take();
    try {
      await db.root.transaction(() => {
        for (const change of batch) apply(db, change);
      });
      await db.root.flushed;
    } catch (err) {
      this.log.putBack(batch);
      throw err;
    }
  }

  async close(): Promise<void> {
    const db = this.#db;
    if (db === undefined) return;
    try {
      await this.commit();
    } finally {
      this.#db = undefined;
      await db.root.close();
    }
  }
}

/** Refuses a path that exists but cannot be a Swiftlet LMDB folder (a file, or a folder of other files). */
function checkDirectory(path: string): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) throw formatError(`${path} is not a folder`);
  const unknown = readdirSync(path).filter((f) => f !== 'data.mdb' && f !== 'lock.mdb');
  if (unknown.length > 0) {
    throw formatError(`${path} holds files that are not an LMDB database (${unknown.slice(0, 3).join(', ')}); refusing to use it`);
  }
  const data = join(path, 'data.mdb');
  if (existsSync(data)) checkMetaPages(data);
}

// LMDB trusts its file: opening a damaged one can crash the process. Check the two meta pages it starts with (each
// carries the magic number 0xBEEFC0DE after the 16-byte page header) before handing it over.
const LMDB_MAGIC = 0xbeefc0de;
function checkMetaPages(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(64);
    if (size < 8192 || readSync(fd, head, 0, 64, 0) < 64 || head.readUInt32LE(24) !== LMDB_MAGIC) {
      throw formatError(`${file} is not an LMDB database file (corrupt?); refusing to open it`);
    }
    const pageSize = head.readUInt32LE(48) || 4096;
    if (pageSize < 512 || pageSize > 65536 || size < pageSize * 2 || readSync(fd, head, 0, 64, pageSize) < 64 || head.readUInt32LE(24) !== LMDB_MAGIC) {
      throw formatError(`${file} has a damaged second meta page (corrupt?); refusing to open it`);
    }
  } finally {
    closeSync(fd);
  }
}

// Applies one change inside the commit's write transaction.
function apply(db: OpenDatabases, change: Change): void {
  switch (change.kind) {
    case 'session':
      db.sessions.putSync(keyPart(change.record.clientId), change.record);
      return;
    case 'delete-session': {
      const id = keyPart(change.clientId);
      db.sessions.removeSync(id);
      removeClientRange(db.subscriptions, id);
      removeClientRange(db.deliveries, id);
      removeClientRange(db.deliveryStates, id);
      removeClientRange(db.inbound, id);
      return;
    }
    case 'subscription':
      db.subscriptions.putSync(keyPart(change.record.clientId) + SEP + keyPart(change.record.topicFilter), change.record);
      return;
    case 'delete-subscription':
      db.subscriptions.removeSync(keyPart(change.clientId) + SEP + keyPart(change.topicFilter));
      return;
    case 'retained':
      db.retained.putSync(keyPart(change.record.topic), change.record);
      return;
    case 'delete-retained':
      db.retained.removeSync(keyPart(change.topic));
      return;
    case 'delivery': {
      const key = deliveryKey(change.record.clientId, change.record.seq);
      // seq numbers are never reused: a saved delivery is always new, with no state yet.
      db.deliveries.putSync(key, change.record);
      return;
    }
    case 'delivery-state': {
      const key = deliveryKey(change.clientId, change.seq);
      // A state change of a delivery already removed (acknowledged in a later change of a replayed batch) is moot.
      if (db.deliveries.doesExist(key)) db.deliveryStates.putSync(key, { packetId: change.packetId, released: change.released });
      return;
    }
    case 'delete-delivery': {
      const key = deliveryKey(change.clientId, change.seq);
      db.deliveries.removeSync(key);
      db.deliveryStates.removeSync(key);
      return;
    }
    case 'hold-inbound':
      // The value carries the client id when the key holds only its hash.
      db.inbound.putSync(inboundKey(change.clientId, change.packetId), keyPart(change.clientId) === change.clientId ? true : change.clientId);
      return;
    case 'release-inbound':
      db.inbound.removeSync(inboundKey(change.clientId, change.packetId));
      return;
  }
}

// Zero-padded so LMDB's byte-wise key order is the numeric order within a client.
function deliveryKey(clientId: string, seq: number): string {
  return keyPart(clientId) + SEP + String(seq).padStart(16, '0');
}

function inboundKey(clientId: string, packetId: number): string {
  return keyPart(clientId) + SEP + String(packetId);
}

function splitInboundKey(raw: string | string[], value: true | string): { clientId: string; packetId: number } {
  // lmdb's key encoding may hand back a NUL-separated key as the array of its parts.
  const key = Array.isArray(raw) ? raw.join(SEP) : raw;
  const at = key.lastIndexOf(SEP);
  return { clientId: typeof value === 'string' ? value : key.slice(0, at), packetId: Number(key.slice(at + 1)) };
}

// Removes every key of one client (`clientId NUL ...`); call inside a write transaction.
function removeClientRange<V>(db: Database<V, string>, clientId: string): void {
  for (const key of db.getKeys({ start: clientId + SEP, end: clientId + SEP_END })) db.removeSync(key);
}

/** The error a corrupt or foreign store is refused with. */
function formatError(message: string): SwiftletError {
  return new SwiftletError('SWIFTLET_ERR_STORAGE_FORMAT', message);
}
