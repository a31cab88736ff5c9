// RedisPersistence through Sentinel and on a Redis Cluster, with real processes started here: a primary watched by
// one sentinel, and a three-node cluster (redis-cli --cluster create). Records committed through one instance come
// back through another, and every key of a store lives in one hash slot.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { RedisPersistence } from '../../src/index.js';
import type { Persistence } from '../../src/index.js';
import { freePort } from '../helpers/ports.js';
import { redisServerPath, startRedisServer } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'swiftlet-redis-topo-'));
const children: ChildProcess[] = [];
const servers: RedisServer[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const s of servers) await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts redis-server with extra arguments (sentinel mode, cluster mode) and waits for PING. */
async function spawnRedis(args: string[], port: number): Promise<void> {
  const child = spawn(redisServerPath(), args, { stdio: 'ignore' });
  children.push(child);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'ping']);
      if (stdout.trim() === 'PONG') return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`redis on port ${port} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Commits a session and a retained message through one instance and reads them back through a second. */
async function roundTrip(create: () => Persistence): Promise<void> {
  const first = create();
  await first.open();
  first.saveSession({ clientId: 'topo', protocolVersion: 5, expiryInterval: 60, disconnectedAt: 1 });
  first.saveRetained({ topic: 'topo/r', payload: Buffer.from('kept'), qos: 1, retain: true, properties: {}, origin: null, expiresAt: 0 });
  await first.commit();
  await first.close();
  const second = create();
  const state = await second.open();
  assert.deepEqual(state.sessions.map((s) => s.clientId), ['topo']);
  assert.deepEqual(state.retained.map((r) => r.payload.toString()), ['kept']);
  await second.close();
}

// Real server processes: a hang must fail the test, never stall the run.
describe('RedisPersistence topologies', { timeout: 60_000 }, () => {
  test('through Sentinel: the primary named by the sentinels is used', async () => {
    const primary = await startRedisServer();
    servers.push(primary);
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nsentinel monitor swiftletmaster 127.0.0.1 ${primary.port} 1\n`);
    await spawnRedis([conf, '--sentinel'], port);
    await roundTrip(() => new RedisPersistence({ sentinel: { sentinels: [{ host: '127.0.0.1', port }], name: 'swiftletmaster' }, keyPrefix: 'sentinel' }));
  });

  test('on a three-node Cluster: one MULTI per commit works because every key shares the hash tag', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) {
      const nodeDir = mkdtempSync(join(dir, `node-${port}-`));
      await spawnRedis(['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], port);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    // Wait until every node agrees that every slot is served (one node saying so is not enough for a client that
    // asks another node for the slot map).
    const deadline = Date.now() + 15_000;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster not ready on ${port}: ${stdout}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await roundTrip(() => new RedisPersistence({ cluster: { nodes: [{ host: '127.0.0.1', port: ports[1]! }] }, keyPrefix: 'cluster' }));
  });
});
