// The `cluster:` section, `--cluster` and SWIFTLET_CLUSTER: validation messages and what reaches the broker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue } from '../../src/config/config-checker.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { validateConfig } from '../../src/config/validate-config.js';

const messages = (raw: unknown): string[] => validateConfig(raw).issues.map(formatIssue);

test('cluster: redis, nodeId and prefix are read; nothing else is accepted', () => {
  const { config, issues } = validateConfig({ cluster: { redis: 'redis://127.0.0.1:6379/2', nodeId: 'a', prefix: 'p:' } });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.cluster, { redis: 'redis://127.0.0.1:6379/2', nodeId: 'a', prefix: 'p:' });
  assert.deepEqual(messages({ cluster: { redis: 'redis://h:1', nodes: 3 } }), ['cluster.nodes: unknown key (expected one of redis, nodeId, prefix)']);
});

test('cluster: a missing or non-Redis URL is an error naming the key', () => {
  assert.deepEqual(messages({ cluster: {} }), ['cluster.redis: expected the Redis URL the nodes share (redis://host:port), found nothing']);
  assert.deepEqual(messages({ cluster: { redis: 'http://h:1' } }), ['cluster.redis: expected a redis:// or rediss:// URL, found "http://h:1"']);
  assert.deepEqual(messages({ cluster: { redis: 'not a url' } }), ['cluster.redis: expected a URL like redis://host:6379, found "not a url"']);
});

test('--cluster and SWIFTLET_CLUSTER set cluster.redis; a flag wins over the variable; bad values name their source', () => {
  const fromEnv = resolveConfig({ env: { SWIFTLET_CLUSTER: 'redis://e:1' }, flags: {} });
  assert.deepEqual(fromEnv.issues, []);
  assert.equal(fromEnv.config.cluster?.redis, 'redis://e:1');
  const fromFlag = resolveConfig({ env: { SWIFTLET_CLUSTER: 'redis://e:1' }, flags: { cluster: 'redis://f:2' } });
  assert.equal(fromFlag.config.cluster?.redis, 'redis://f:2');
  const bad = resolveConfig({ env: { SWIFTLET_CLUSTER: 'mqtt://x' }, flags: {} });
  assert.deepEqual(bad.issues.map(formatIssue), ['SWIFTLET_CLUSTER: expected a redis:// or rediss:// URL, found "mqtt://x"']);
});
