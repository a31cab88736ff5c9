// Durable storage on Redis through ioredis: a single server, a Sentinel-managed primary, or a Cluster. Changes are
// recorded in memory and written by commit() as one MULTI/EXEC. How durable an acknowledged EXEC is depends on the
// server (`appendonly yes`, `appendfsync always`: see docs/persistence.md).
import { deserialize, serialize } from 'node:v8';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { SwiftletError } from '../errors.js';
import type { Change } from './change-log.js';
import { JournalingPersistence } from './journaling-persistence.js';
import type { DeliveryRecord, MessageRecord, PersistedState, SessionRecord, SubscriptionRecord } from './persistence.js';

/** A host and port. */
export interface RedisAddress {
  host: string;
  port: number;
}

/** Options of RedisPersistence: exactly one of `url`, `sentinel` and `cluster` (default `redis://127.0.0.1:6379`). */
export interface RedisPersistenceOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) of a single server. */
  url?: string;
  /** A primary found through Redis Sentinel. */
  sentinel?: {
    sentinels: RedisAddress[];
    /** Name of the primary the sentinels monitor. */
    name: string;
    /** Password of the Redis servers, if any. */
    password?: string;
    /** Password of the sentinels, if any. */
    sentinelPassword?: string;
    db?: number;
  };
  /** A Redis Cluster: any of its nodes. All keys share one hash tag, so they live in one slot. */
  cluster?: {
    nodes: RedisAddress[];
    password?: string;
  };
  /** Prefix of every key, inside a hash tag: `{prefix}:sessions`, ... Default `swiftlet`. */
  keyPrefix?: string;
  /** Milliseconds to wait for the first connection in open(). Default 10000. */
  connectTimeout?: number;
}

/** What `{prefix}:meta` holds in a Swiftlet store; another value is refused. */
export const REDIS_FORMAT = 'swiftlet:2';

type Client = Redis | Cluster;
type Command = [string, ...(string | Buffer | number)[]];

/** A Persistence on Redis. */
export class RedisPersistence extends JournalingPersistence {
  readonly #options: RedisPersistenceOptions;
  readonly #k: Keys;
  #client: Client | undefined;
  /** The last connection error, for the message of a failed commit. */
  #lastError: Error | undefined;

  constructor(options: RedisPersistenceOptions = {}) {
    super();
    const given = [options.url, options.sentinel, options.cluster].filter((o) => o !== undefined).length;
    if (given > 1) throw new SwiftletError('SWIFTLET_ERR_OPTIONS_INVALID', 'RedisPersistence: give only one of url, sentinel and cluster');
    this.#options = options;
    this.#k = new Keys(options.keyPrefix ?? 'swiftlet');
  }

  async open(options: { sessions?: boolean } = {}): Promise<PersistedState> {
    const client = await this.#connect();
    this.#client = client;
    const k = this.#k;
    try {
      const meta = await client.get(k.meta);
      if (meta === null) {
        const existing = await client.exists(k.sessions, k.retained);
        if (existing > 0) throw formatError(`Redis keys ${k.sessions} or ${k.retained} exist without ${k.meta}: not a Swiftlet store; refusing to use it`);
        await client.set(k.meta, REDIS_FORMAT);
      } else if (meta !== REDIS_FORMAT) {
        throw formatError(`Redis key ${k.meta} holds ${JSON.stringify(meta)}, expected ${JSON.stringify(REDIS_FORMAT)}; refusing to use it`);
      }
      // A shared store (cluster mode) leaves sessions out: each node loads those it owns with loadClients().
      const none: Record<string, Buffer> = {};
      const [sessionsRaw, retainedRaw] = await Promise.all([options.sessions === false ? none : client.hgetallBuffer(k.sessions), client.hgetallBuffer(k.retained)]);
      const sessions = Object.values(sessionsRaw).map((b) => decode<SessionRecord>(b));
      const retained = Object.values(retainedRaw).map((b) => decode<MessageRecord>(b));
      const state = await this.#loadSessions(client, sessions);
      return { ...state, retained };
    } catch (err) {
      this.#client = undefined;
      client.disconnect();
      throw err;
    }
  }

  /** Reads the stored state of these clients now (a session that moved here from another node of a cluster). */
  async loadClients(clientIds: readonly string[]): Promise<PersistedState> {
    const client = this.#client;
    if (client === undefined) throw new SwiftletError('SWIFTLET_ERR_STORAGE_UNAVAILABLE', 'Redis storage is not open');
    if (clientIds.length === 0) return { sessions: [], subscriptions: [], retained: [], deliveries: [], inboundQoS2: [] };
    const raw = await client.hmgetBuffer(this.#k.sessions, ...clientIds);
    const sessions = raw.filter((b): b is Buffer => b !== null).map((b) => decode<SessionRecord>(b));
    return { ...(await this.#loadSessions(client, sessions)), retained: [] };
  }

  /** The subscriptions, deliveries and inbound QoS 2 ids of `sessions`. */
  async #loadSessions(client: Client, sessions: SessionRecord[]): Promise<PersistedState> {
    const k = this.#k;
    const subscriptions: SubscriptionRecord[] = [];
    const deliveries: DeliveryRecord[] = [];
    const inboundQoS2: { clientId: string; packetId: number }[] = [];
    // One pipeline per slice of sessions: a round trip per slice, not per key.
    for (let i = 0; i < sessions.length; i += 500) {
      const slice = sessions.slice(i, i + 500);
      const pipeline = client.pipeline();
      for (const s of slice) {
        pipeline.hgetallBuffer(k.subscriptions(s.clientId));
        pipeline.hgetallBuffer(k.deliveries(s.clientId));
        pipeline.hgetall(k.deliveryStates(s.clientId));
        pipeline.smembers(k.inbound(s.clientId));
      }
      const results = (await pipeline.exec()) ?? [];
      for (let j = 0; j < slice.length; j++) {
        const clientId = slice[j]!.clientId;
        const [subs, dlv, dst, inbound] = [0, 1, 2, 3].map((n) => {
          const [err, value] = results[j * 4 + n] ?? [new Error('missing reply'), null];
          if (err !== null) throw err;
          return value;
        });
        for (const b of Object.values(subs as Record<string, Buffer>)) subscriptions.push(decode<SubscriptionRecord>(b));
        const states = dst as Record<string, string>;
        for (const [seq, b] of Object.entries(dlv as Record<string, Buffer>)) {
          const record = decode<DeliveryRecord>(b);
          const state = states[seq];
          if (state === undefined) deliveries.push(record);
          else {
            const [packetId, released] = state.split(':');
            deliveries.push({ ...record, packetId: Number(packetId), released: released === '1' });
          }
        }
        for (const id of inbound as string[]) inboundQoS2.push({ clientId, packetId: Number(id) });
      }
    }
    return { sessions, subscriptions, retained: [], deliveries, inboundQoS2 };
  }

  async commit(): Promise<void> {
    const client = this.#client;
    if (client === undefined || this.log.size === 0) return;
    const batch = this.log.take();
    try {
      const commands: Command[] = [];
      for (const change of batch) toCommands(this.#k, change, commands);
      const replies = await client.multi(commands).exec();
      if (replies === null) throw new Error('Redis discarded the transaction');
      for (const [err] of replies) if (err !== null) throw err;
    } catch (err) {
      this.log.putBack(batch);
      const cause = err instanceof Error ? err : new Error(String(err));
      const last = this.#lastError;
      throw new SwiftletError('SWIFTLET_ERR_STORAGE_UNAVAILABLE', `Redis commit failed: ${cause.message}${last !== undefined && last !== cause ? ` (${last.message})` : ''}`);
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    try {
      await this.commit();
    } finally {
      this.#client = undefined;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }
  }

  async #connect(): Promise<Client> {
    const o = this.#options;
    const ioredis = await import('ioredis');
    // Fail fast while disconnected (no offline queue, no resending of unanswered commands): a commit that cannot
    // reach Redis rejects, the broker refuses what it cannot store, and the change log replays the batch later.
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: o.connectTimeout ?? 10_000,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    };
    let client: Client;
    if (o.cluster !== undefined) {
      const nodes: ClusterNode[] = o.cluster.nodes.map((n) => ({ host: n.host, port: n.port }));
      const options: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
        redisOptions: { ...omitClusterManaged(common), ...(o.cluster.password === undefined ? {} : { password: o.cluster.password }) },
      };
      client = new ioredis.Cluster(nodes, options);
    } else if (o.sentinel !== undefined) {
      const s = o.sentinel;
      client = new ioredis.Redis({
        ...common,
        sentinels: s.sentinels.map((a) => ({ host: a.host, port: a.port })),
        name: s.name,
        ...(s.password === undefined ? {} : { password: s.password }),
        ...(s.sentinelPassword === undefined ? {} : { sentinelPassword: s.sentinelPassword }),
        ...(s.db === undefined ? {} : { db: s.db }),
      });
    } else {
      client = new ioredis.Redis(o.url ?? 'redis://127.0.0.1:6379', common);
    }
    // Without a listener an 'error' event would end the process; the commit that fails reports it instead.
    client.on('error', (err: Error) => {
      this.#lastError = err;
    });
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new SwiftletError('SWIFTLET_ERR_STORAGE_UNAVAILABLE', `cannot connect to Redis: ${err instanceof Error ? err.message : String(err)}`);
    }
    return client;
  }
}

// Options a Cluster sets on its node connections itself.
function omitClusterManaged(o: RedisOptions): RedisOptions {
  const { retryStrategy: _r, enableOfflineQueue: _e, lazyConnect: _l, ...rest } = o;
  return rest;
}

/** Key names; every key carries the same hash tag, so a MULTI touches one Cluster slot. */
class Keys {
  readonly meta: string;
  readonly sessions: string;
  readonly retained: string;
  readonly #p: string;

  constructor(prefix: string) {
    this.#p = `{${prefix}}:`;
    this.meta = `${this.#p}meta`;
    this.sessions = `${this.#p}sessions`;
    this.retained = `${this.#p}retained`;
  }
  subscriptions(clientId: string): string {
    return `${this.#p}subs:${clientId}`;
  }
  deliveries(clientId: string): string {
    return `${this.#p}dlv:${clientId}`;
  }
  deliveryStates(clientId: string): string {
    return `${this.#p}dst:${clientId}`;
  }
  inbound(clientId: string): string {
    return `${this.#p}in:${clientId}`;
  }
}

function toCommands(k: Keys, change: Change, out: Command[]): void {
  switch (change.kind) {
    case 'session':
      out.push(['hset', k.sessions, change.record.clientId, encode(change.record)]);
      return;
    case 'delete-session': {
      const id = change.clientId;
      out.push(['hdel', k.sessions, id], ['del', k.subscriptions(id), k.deliveries(id), k.deliveryStates(id), k.inbound(id)]);
      return;
    }
    case 'subscription':
      out.push(['hset', k.subscriptions(change.record.clientId), change.record.topicFilter, encode(change.record)]);
      return;
    case 'delete-subscription':
      out.push(['hdel', k.subscriptions(change.clientId), change.topicFilter]);
      return;
    case 'retained':
      out.push(['hset', k.retained, change.record.topic, encode(change.record)]);
      return;
    case 'delete-retained':
      out.push(['hdel', k.retained, change.topic]);
      return;
    case 'delivery': {
      const r = change.record;
      // seq numbers are never reused: a saved delivery is always new, with no state yet.
      out.push(['hset', k.deliveries(r.clientId), String(r.seq), encode(r)]);
      return;
    }
    case 'delivery-state':
      // Stored apart from the message: a state change writes a few bytes. A state of a delivery already deleted is
      // left behind only until that client's next delete; open() ignores states without their delivery.
      out.push(['hset', k.deliveryStates(change.clientId), String(change.seq), `${change.packetId}:${change.released ? 1 : 0}`]);
      return;
    case 'delete-delivery':
      out.push(['hdel', k.deliveries(change.clientId), String(change.seq)], ['hdel', k.deliveryStates(change.clientId), String(change.seq)]);
      return;
    case 'hold-inbound':
      out.push(['sadd', k.inbound(change.clientId), String(change.packetId)]);
      return;
    case 'release-inbound':
      out.push(['srem', k.inbound(change.clientId), String(change.packetId)]);
      return;
  }
}

function encode(value: unknown): Buffer {
  return serialize(value);
}

function decode<T>(bytes: Buffer): T {
  return deserialize(bytes) as T;
}

function formatError(message: string): SwiftletError {
  return new SwiftletError('SWIFTLET_ERR_STORAGE_FORMAT', message);
}
