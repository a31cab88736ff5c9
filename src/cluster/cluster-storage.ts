// Where a cluster keeps its sessions: the nodes share one store, in Redis. Without storage configured, the cluster's
// own Redis holds it.
import type { RedisOptions } from 'ioredis';
import { SwiftletError } from '../errors.js';
import type { Persistence } from '../persistence/persistence.js';
import { RedisPersistence } from '../persistence/redis-persistence.js';
import type { RedisPersistenceOptions } from '../persistence/redis-persistence.js';
import type { ClusterOptions } from './redis-bus.js';

/** The Persistence a cluster node uses: `configured` when it is shared (Redis), else one on the cluster's Redis. */
export function clusterPersistence(cluster: ClusterOptions, configured: Persistence): Persistence {
  if (configured.loadClients !== undefined) return configured;
  if (configured.durable) {
    throw new SwiftletError('SWIFTLET_ERR_OPTIONS_INVALID', 'cluster: the nodes share their sessions, so storage must be Redis (or left out: the cluster Redis is used)');
  }
  const keyPrefix = (cluster.prefix ?? 'swiftlet:').replace(/:$/, '');
  return new RedisPersistence({ ...redisTarget(cluster.redis), keyPrefix });
}

function redisTarget(redis: string | RedisOptions): RedisPersistenceOptions {
  if (typeof redis === 'string') return { url: redis };
  if (redis.sentinels !== undefined && redis.name !== undefined) {
    const sentinel: NonNullable<RedisPersistenceOptions['sentinel']> = {
      sentinels: redis.sentinels.map((s) => ({ host: s.host ?? '127.0.0.1', port: s.port ?? 26379 })),
      name: redis.name,
    };
    if (redis.password !== undefined) sentinel.password = redis.password;
    if (redis.sentinelPassword !== undefined) sentinel.sentinelPassword = redis.sentinelPassword;
    if (redis.db !== undefined) sentinel.db = redis.db;
    return { sentinel };
  }
  const auth = redis.password === undefined ? '' : `${encodeURIComponent(redis.username ?? '')}:${encodeURIComponent(redis.password)}@`;
  return { url: `${redis.tls === undefined ? 'redis' : 'rediss'}://${auth}${redis.host ?? '127.0.0.1'}:${redis.port ?? 6379}/${redis.db ?? 0}` };
}
