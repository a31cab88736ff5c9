// Cluster mode on a real redis-server: two brokers act as one for publish/subscribe, shared groups and retained.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { startBroker, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { startTwoNodes, stopTwoNodes, trackedClient } from '../helpers/two-node-cluster.js';
import type { RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let a: TestBroker;
let b: TestBroker;
const clients: MqttClient[] = [];

before(async () => {
  ({ redis, a, b } = await startTwoNodes('node', 't1:'));
});

after(() => stopTwoNodes({ redis, a, b }, clients));

const client = (port: number, options: Parameters<typeof trackedClient>[2] = {}): Promise<MqttClient> => trackedClient(clients, port, options);

/** Subscribes and waits until the other node has learnt the route (a publish there reaches this subscriber). */
async function subscribeAcross(c: MqttClient, filter: string, qos: 0 | 1 | 2, probeFrom: TestBroker, probeTopic: string): Promise<void> {
  await c.subscribeAsync(filter, { qos });
  const got = collect(c);
  await waitFor(() => {
    probeFrom.broker.publish(probeTopic, 'probe');
    return got.some((m) => m.payload.toString() === 'probe');
  }, 5000, `route ${filter} known across nodes`);
  c.removeAllListeners('message');
}

test('a message published on one node reaches subscribers on the other, at QoS 0, 1 and 2, in order', async () => {
  for (const protocolVersion of [4, 5] as const) {
    const sub = await client(b.port, { protocolVersion, clientId: `x-sub-${protocolVersion}` });
    await subscribeAcross(sub, `x${protocolVersion}/#`, 2, a, `x${protocolVersion}/probe`);
    const got = collect(sub);
    const pub = await client(a.port, { protocolVersion });
    for (let i = 0; i < 30; i++) await pub.publishAsync(`x${protocolVersion}/t`, String(i), { qos: (i % 3) as 0 | 1 | 2 });
    const real = (): typeof got => got.filter((m) => m.payload.toString() !== 'probe');
    await waitFor(() => real().length >= 30, 5000, '30 messages across nodes');
    for (const qos of [0, 1, 2]) {
      // Order is per QoS level: MQTT.js hands a QoS 2 message over only after PUBREL, later than QoS 0/1 ones.
      const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 === qos).map(String);
      assert.deepEqual(real().filter((m) => m.packet.qos === qos).map((m) => m.payload.toString()), expected, `QoS ${qos}: all, once, in order`);
    }
  }
});

test('a message reaches each matching subscriber once, whether it is local or remote', async () => {
  const local = await client(a.port, { clientId: 'once-local' });
  const remote = await client(b.port, { clientId: 'once-remote' });
  await local.subscribeAsync(['once/#', 'once/+'], { qos: 1 });
  await subscribeAcross(remote, 'once/#', 1, a, 'once/probe');
  await remote.subscribeAsync('once/+', { qos: 1 });
  const gl = collect(local);
  const gr = collect(remote);
  const ones = (got: typeof gl): number => got.filter((m) => m.payload.toString() === 'one').length;
  a.broker.publish('once/x', 'one', { qos: 1 });
  await waitFor(() => ones(gl) === 1 && ones(gr) === 1, 3000, 'one copy each');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(ones(gl), 1);
  assert.equal(ones(gr), 1);
});

test('a shared group spread over both nodes gets each message exactly once', async () => {
  const m1 = await client(a.port, { clientId: 'sg-a' });
  const m2 = await client(b.port, { clientId: 'sg-b' });
  await m1.subscribeAsync('$share/g/sg/#', { qos: 1 });
  await m2.subscribeAsync('$share/g/sg/#', { qos: 1 });
  const g1 = collect(m1);
  const g2 = collect(m2);
  // Wait until node a knows node b's member: some message lands on b.
  await waitFor(() => {
    a.broker.publish('sg/probe', 'p', { qos: 1 });
    return g2.length > 0;
  }, 5000, 'group member on b known to a');
  await new Promise((r) => setTimeout(r, 100));
  g1.length = 0;
  g2.length = 0;
  const pub = await client(a.port);
  for (let i = 0; i < 40; i++) await pub.publishAsync('sg/t', String(i), { qos: 1 });
  await waitFor(() => g1.length + g2.length >= 40, 5000, '40 shared messages');
  await new Promise((r) => setTimeout(r, 200));
  const all = [...g1, ...g2].map((m) => m.payload.toString()).filter((p) => p !== 'p');
  assert.equal(all.length, 40, 'no message twice');
  assert.deepEqual(new Set(all).size, 40);
  assert.ok(g1.length > 0 && g2.length > 0, `both members served (${g1.length} / ${g2.length})`);
});

test('retained messages are cluster-wide: stored on one node, delivered on subscribe at the other, cleared everywhere', async () => {
  const pub = await client(a.port);
  await pub.publishAsync('ret/one', 'kept', { qos: 1, retain: true });
  await waitFor(() => b.broker.retainedMessage('ret/one') !== undefined, 3000, 'retained on b');
  const late = await client(b.port);
  const got = collect(late);
  await late.subscribeAsync('ret/#', { qos: 1 });
  await waitFor(() => got.length === 1, 3000, 'retained delivered on b');
  assert.equal(got[0]!.payload.toString(), 'kept');
  assert.equal(got[0]!.packet.retain, true);
  await pub.publishAsync('ret/one', '', { qos: 1, retain: true });
  await waitFor(() => b.broker.retainedMessage('ret/one') === undefined, 3000, 'cleared on b');
});

test('a node that joins later learns the routes and retained messages already there', async () => {
  const sub = await client(a.port, { clientId: 'late-sub' });
  await sub.subscribeAsync('late/#', { qos: 1 });
  a.broker.publish('late/ret', 'before', { retain: true });
  const c = await startBroker({ id: 'node-c', sysInterval: 0, cluster: { redis: redis.url, prefix: 't1:' } });
  try {
    assert.equal(c.broker.retainedMessage('late/ret')?.payload.toString(), 'before');
    const got = collect(sub);
    c.broker.publish('late/x', 'from c', { qos: 1 });
    await waitFor(() => got.some((m) => m.payload.toString() === 'from c'), 3000, 'c → a');
  } finally {
    await c.close();
  }
});

test('$SYS: each node keeps its own $SYS/broker/... and publishes a copy under $SYS/broker/nodes/<id>/ that every node sees', async () => {
  const watcher = await client(b.port, { clientId: 'sys-watch' });
  const got = collect(watcher);
  await watcher.subscribeAsync('$SYS/broker/nodes/+/clients/connected', { qos: 0 });
  await waitFor(() => {
    a.broker.publishSys();
    return got.some((m) => m.topic === '$SYS/broker/nodes/node-a/clients/connected');
  }, 5000, 'node-a per-node $SYS seen on node-b');
  // Node a's own $SYS/broker/... stays on node a: b keeps its own value there.
  b.broker.publishSys();
  a.broker.publishSys();
  await waitFor(() => b.broker.retainedMessage('$SYS/broker/nodes/node-a/uptime') !== undefined, 3000, 'per-node copy retained on b');
  const local = b.broker.retainedMessage('$SYS/broker/clients/connected')!.payload.toString();
  assert.equal(local, String(b.broker.stats.clientsConnected), "b's $SYS/broker/clients/connected is b's own count");
});

test('Redis restarts: each node keeps serving its own clients, reports degraded, then re-syncs and routes across nodes again', async () => {
  const localSub = await client(a.port, { clientId: 'rr-local' });
  await localSub.subscribeAsync('rr/#', { qos: 1 });
  const remoteSub = await client(b.port, { clientId: 'rr-remote' });
  await subscribeAcross(remoteSub, 'rr/#', 1, a, 'rr/probe');
  await redis.stop();
  await waitFor(() => a.broker.cluster?.state === 'degraded', 5000, 'node a degraded');
  const gl = collect(localSub);
  a.broker.publish('rr/during', 'local still works', { qos: 1 });
  await waitFor(() => gl.some((m) => m.payload.toString() === 'local still works'), 3000, 'local delivery during the outage');
  await redis.restart();
  await waitFor(() => a.broker.cluster?.state === 'connected' && b.broker.cluster?.state === 'connected', 10_000, 'both nodes connected again');
  const gr = collect(remoteSub);
  await waitFor(() => {
    a.broker.publish('rr/after', 'across again', { qos: 1 });
    return gr.some((m) => m.payload.toString() === 'across again');
  }, 10_000, 'cross-node routing after the restart');
});
