// The `cluster:` section: the Redis the nodes share, this node's id, the key prefix.
import type { ConfigChecker } from './config-checker.js';

/** Cluster mode settings. */
export interface ClusterConfig {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  redis: string;
  /** This node's id; default the configuration's `id`, else a random one. */
  nodeId?: string;
  /** Prefix of every Redis key and channel; default `swiftlet:`. Nodes of one cluster share it. */
  prefix?: string;
}

/** Validates `cluster`; undefined when absent or invalid (issues go to `checker`). */
export function validateCluster(checker: ConfigChecker, raw: unknown): ClusterConfig | undefined {
  if (raw === undefined) return undefined;
  const obj = checker.object(raw, 'cluster');
  if (obj === undefined) return undefined;
  checker.keys(obj, ['redis', 'nodeId', 'prefix'], 'cluster');
  if (obj.redis === undefined) {
    checker.add('cluster.redis', 'expected the Redis URL the nodes share (redis://host:port), found nothing');
    return undefined;
  }
  const redis = checkRedisUrl(checker, obj.redis, 'cluster.redis');
  if (redis === undefined) return undefined;
  const out: ClusterConfig = { redis };
  if (obj.nodeId !== undefined) {
    const id = checker.string(obj.nodeId, 'cluster.nodeId');
    if (id !== undefined) out.nodeId = id;
  }
  if (obj.prefix !== undefined) {
    const prefix = checker.string(obj.prefix, 'cluster.prefix');
    if (prefix !== undefined) out.prefix = prefix;
  }
  return out;
}

/** A redis:// or rediss:// URL, as a string; undefined (with an issue) otherwise. */
export function checkRedisUrl(checker: ConfigChecker, raw: unknown, path: string): string | undefined {
  const text = checker.string(raw, path);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    checker.add(path, `expected a URL like redis://host:6379, found ${JSON.stringify(text)}`);
    return undefined;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    checker.add(path, `expected a redis:// or rediss:// URL, found ${JSON.stringify(text)}`);
    return undefined;
  }
  return text;
}
