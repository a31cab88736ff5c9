// `swiftlet --cluster URL --workers 2` as a real command: two worker processes share the port and act as one broker.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { collect, connectClient, endClient, waitFor } from '../helpers/broker.js';
import { run } from '../helpers/cli-process.js';
import { freePort } from '../helpers/ports.js';
import { startRedisServer } from '../helpers/redis-server.js';

/** Process ids of `pid`'s children that run swiftlet (not helper processes such as the TypeScript loader's). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', 'cli/main.ts'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

test('--workers 2: clients spread over two workers reach each other; SIGTERM stops every process with exit 0', async () => {
  const redis = await startRedisServer();
  const port = await freePort();
  const { child, stdout, stderr, exited } = run(['--port', String(port), '--cluster', redis.url, '--workers', '2', '--log-level', 'warn']);
  const clients: MqttClient[] = [];
  try {
    await waitFor(() => stdout.filter((l) => l.startsWith('swiftlet: MQTT listening')).length >= 2, 60_000, `two workers listening (stderr: ${stderr.join('')})`);
    const workers = childrenOf(child.pid!);
    assert.equal(workers.length, 2, 'two worker processes');
    // Connections are handed to the workers in turn: subscribers end up on both.
    const subs: MqttClient[] = [];
    for (let i = 0; i < 4; i++) subs.push(await connectClient(port, { clientId: `w-sub-${i}` }));
    clients.push(...subs);
    for (const s of subs) await s.subscribeAsync('w/#', { qos: 1 });
    const boxes = subs.map((s) => collect(s));
    const pub = await connectClient(port, { clientId: 'w-pub' });
    clients.push(pub);
    // Until the routes have crossed between the workers, a probe may miss a subscriber: wait for all four.
    await waitFor(() => {
      pub.publish('w/probe', 'probe', { qos: 0 });
      return boxes.every((b) => b.length > 0);
    }, 10_000, 'every subscriber reached from one publisher');
    for (const b of boxes) b.length = 0;
    for (let i = 0; i < 20; i++) await pub.publishAsync('w/t', String(i), { qos: 1 });
    await waitFor(() => boxes.every((b) => b.filter((m) => m.payload.toString() !== 'probe').length === 20), 10_000, '20 messages at each subscriber');
    for (const b of boxes) {
      assert.deepEqual(b.filter((m) => m.payload.toString() !== 'probe').map((m) => m.payload.toString()), Array.from({ length: 20 }, (_, i) => String(i)));
    }
    await Promise.all(clients.splice(0).map(endClient));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const pid of workers) {
      assert.throws(() => process.kill(pid, 0), 'worker process gone');
    }
  } finally {
    await Promise.all(clients.map(endClient));
    if (child.exitCode === null) child.kill('SIGKILL');
    await redis.destroy();
  }
});

test('--workers without --cluster is refused with exit 2 and a message naming --workers', async () => {
  const r = run(['--port', '0', '--workers', '2']);
  assert.equal(await r.exited, 2);
  assert.match(r.stderr.join('\n'), /--workers: expected --cluster/);
});
