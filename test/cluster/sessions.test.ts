// Sessions in cluster mode on a real redis-server: a persistent session resumes on another node with what it was owed,
// a second connection on another node takes the session over, and Clean Start ends it wherever it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { startBroker, endClient, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { startTwoNodes, stopTwoNodes, trackedClient } from '../helpers/two-node-cluster.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { Broker, LmdbPersistence, PacketType } from '../../src/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let redis: RedisServer;
let a: TestBroker;
let b: TestBroker;
const clients: MqttClient[] = [];

before(async () => {
  ({ redis, a, b } = await startTwoNodes('sess', 's1:'));
});

after(() => stopTwoNodes({ redis, a, b }, clients));

const client = (port: number, options: Parameters<typeof trackedClient>[2] = {}): Promise<MqttClient> => trackedClient(clients, port, options);

/** Waits until a publish on `from` reaches `c` (the route of `c`'s node is known there), then stops listening. */
async function routeKnown(c: MqttClient, from: TestBroker, topic: string): Promise<void> {
  const got = collect(c);
  await waitFor(() => {
    from.broker.publish(topic, 'probe');
    return got.some((m) => m.topic === topic);
  }, 5000, `route to ${topic} known`);
  c.removeAllListeners('message');
}

for (const protocolVersion of [4, 5] as const) {
  test(`${protocolVersion === 5 ? '5.0' : '3.1.1'}: a persistent session resumes on the other node with Session Present 1, its subscriptions and the QoS 1 messages queued while offline [MQTT-3.2.2-3]`, async () => {
    const id = `resume-${protocolVersion}`;
    const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const first = await client(a.port, { protocolVersion, clientId: id, ...persistent });
    await first.subscribeAsync(`q${protocolVersion}/#`, { qos: 1 });
    await routeKnown(first, b, `q${protocolVersion}/probe`);
    await endClient(first);
    await waitFor(() => a.broker.client(id)?.connected === false, 3000, 'offline on node a');

    // Published on node b and acknowledged there: queued for the offline session held by node a.
    const pub = await client(b.port, { protocolVersion });
    for (let i = 0; i < 5; i++) await pub.publishAsync(`q${protocolVersion}/t`, `m${i}`, { qos: 1 });

    const resumed = mqtt.connect({ host: '127.0.0.1', port: b.port, protocolVersion, clientId: id, reconnectPeriod: 0, ...persistent });
    clients.push(resumed);
    const got = collect(resumed);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      resumed.once('connect', (p) => resolve(p));
      resumed.once('error', reject);
    });
    assert.equal(connack.sessionPresent, true, 'Session Present 1 on the other node');
    await waitFor(() => got.filter((m) => m.topic === `q${protocolVersion}/t`).length >= 5, 5000, 'queued messages delivered on node b');
    assert.deepEqual(got.filter((m) => m.topic === `q${protocolVersion}/t`).map((m) => m.payload.toString()), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.ok(got.every((m) => m.packet.qos === 1));
    // The session moved: node a holds it no more, node b does, with its subscription.
    assert.equal(a.broker.client(id), undefined, 'node a let go of the session');
    assert.equal(b.broker.client(id)?.connected, true);
    assert.ok(b.broker.subscriptions().some((s) => s.clientId === id && s.filter === `q${protocolVersion}/#`));
    // Its subscription is announced from node b: a publish on node a reaches it there.
    await routeKnown(resumed, a, `q${protocolVersion}/after`);
  });
}

test('5.0: a connection on another node takes the session over: the old one gets DISCONNECT 0x8E before the new CONNACK [MQTT-3.1.4-3]', async () => {
  const id = 'takeover-5';
  const old = await RawClient.connect(a.port, 5);
  const first = await old.handshake(id, { clean: false, properties: { sessionExpiryInterval: 300 } });
  assert.equal(first.reasonCode, 0);
  const order: string[] = [];
  const oldDisconnect = old.next(10_000).then((p) => {
    order.push('old DISCONNECT');
    return p;
  });
  const fresh = await RawClient.connect(b.port, 5);
  const connack = await fresh.handshake(id, { clean: false, properties: { sessionExpiryInterval: 300 } }).then((p) => {
    order.push('new CONNACK');
    return p;
  });
  const disconnect = await oldDisconnect;
  assert.equal(disconnect?.type, PacketType.DISCONNECT);
  assert.equal(disconnect.type === PacketType.DISCONNECT ? disconnect.reasonCode : -1, 0x8e, 'Session taken over');
  await old.waitClosed(3000);
  assert.deepEqual(order, ['old DISCONNECT', 'new CONNACK']);
  assert.equal(connack.reasonCode, 0);
  assert.equal(connack.sessionPresent, true);
  assert.equal(a.broker.client(id), undefined, 'one node holds the session');
  assert.equal(b.broker.client(id)?.connected, true);
  fresh.destroy();
});

test('3.1.1: a connection on another node takes the session over: the old connection is closed before the new CONNACK [MQTT-3.1.4-3]', async () => {
  const id = 'takeover-4';
  const old = await RawClient.connect(a.port, 4);
  await old.handshake(id, { clean: false });
  const order: string[] = [];
  void old.closed.then(() => order.push('old closed'));
  const fresh = await RawClient.connect(b.port, 4);
  const connack = await fresh.handshake(id, { clean: false });
  order.push('new CONNACK');
  assert.equal(await old.next(3000), undefined, 'closed without a packet (3.1.1 has no DISCONNECT from the server)');
  assert.deepEqual(order, ['old closed', 'new CONNACK']);
  assert.equal(connack.sessionPresent, true);
  assert.equal(b.broker.client(id)?.connected, true);
  fresh.destroy();
});

test('Clean Start on another node ends the session held elsewhere: Session Present 0, nothing of it left [MQTT-3.1.2-4]', async () => {
  const id = 'clean-elsewhere';
  const first = await client(a.port, { protocolVersion: 5, clientId: id, clean: false, properties: { sessionExpiryInterval: 300 } });
  await first.subscribeAsync('cs/#', { qos: 1 });
  await endClient(first);
  await waitFor(() => a.broker.client(id)?.connected === false, 3000, 'offline on node a');
  const fresh = await RawClient.connect(b.port, 5);
  const connack = await fresh.handshake(id, { clean: true, properties: { sessionExpiryInterval: 300 } });
  assert.equal(connack.sessionPresent, false);
  assert.equal(a.broker.client(id), undefined);
  assert.ok(!b.broker.subscriptions().some((s) => s.clientId === id), 'the old subscriptions are gone');
  fresh.destroy();
});

test('a persistent client moving back and forth between nodes keeps one session and loses no acknowledged QoS 1 message', async () => {
  const id = 'roamer';
  const persistent = { protocolVersion: 5 as const, clientId: id, clean: false, properties: { sessionExpiryInterval: 300 } };
  const first = await client(a.port, persistent);
  await first.subscribeAsync('roam/#', { qos: 1 });
  await routeKnown(first, b, 'roam/probe');
  await endClient(first);
  const pub = await client(a.port, { protocolVersion: 5 });
  const received: string[] = [];
  let sent = 0;
  for (let hop = 0; hop < 4; hop++) {
    for (let i = 0; i < 5; i++) await pub.publishAsync('roam/t', String(sent++), { qos: 1 });
    const node = hop % 2 === 0 ? b : a;
    // Listening before CONNACK: what the session is owed follows it at once.
    const c = mqtt.connect({ host: '127.0.0.1', port: node.port, reconnectPeriod: 0, ...persistent });
    clients.push(c);
    const got = collect(c);
    await new Promise((resolve, reject) => {
      c.once('connect', resolve);
      c.once('error', reject);
    });
    await waitFor(() => received.length + got.length >= sent, 5000, `hop ${hop}: every message so far`);
    received.push(...got.map((m) => m.payload.toString()));
    await endClient(c);
    await waitFor(() => node.broker.client(id)?.connected === false, 3000, 'offline');
  }
  assert.deepEqual(received, Array.from({ length: sent }, (_, i) => String(i)), 'each once, in order');
});

test('a cluster node refuses a storage the other nodes cannot read (LMDB) when it starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-cluster-lmdb-'));
  const broker = new Broker({ id: 'lmdb-node', sysInterval: 0, cluster: { redis: redis.url, prefix: 's9:' } });
  broker.setPersistence(new LmdbPersistence({ path: dir }));
  try {
    await assert.rejects(broker.serve(), (err: Error & { code?: string }) => err.code === 'SWIFTLET_ERR_OPTIONS_INVALID' && /storage must be Redis/.test(err.message));
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a node that stops while holding a persistent session: a live node adopts it, and the node back with the same id owns it no more', async () => {
  const c = await startBroker({ id: 'sess-c', sysInterval: 0, cluster: { redis: redis.url, prefix: 's1:' } });
  const id = 'stopped-owner';
  const persistent = { protocolVersion: 5 as const, clientId: id, clean: false, properties: { sessionExpiryInterval: 300 } };
  const first = await client(c.port, persistent);
  await first.subscribeAsync('st/#', { qos: 1 });
  await routeKnown(first, a, 'st/probe');
  await endClient(first);
  await waitFor(() => c.broker.client(id)?.connected === false, 3000, 'offline on node c');
  await c.close();
  await waitFor(() => a.broker.client(id) !== undefined || b.broker.client(id) !== undefined, 15_000, 'adopted by a live node');
  const pub = await client(a.port, { protocolVersion: 5 });
  for (let i = 0; i < 3; i++) await pub.publishAsync('st/t', String(i), { qos: 1 });
  const resumed = mqtt.connect({ host: '127.0.0.1', port: b.port, reconnectPeriod: 0, ...persistent });
  clients.push(resumed);
  const got = collect(resumed);
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    resumed.once('connect', resolve);
    resumed.once('error', reject);
  });
  assert.equal(connack.sessionPresent, true);
  await waitFor(() => got.filter((m) => m.topic === 'st/t').length >= 3, 5000, 'the messages published after the adoption');
  assert.deepEqual(got.filter((m) => m.topic === 'st/t').map((m) => m.payload.toString()), ['0', '1', '2']);
  const again = await startBroker({ id: 'sess-c', sysInterval: 0, cluster: { redis: redis.url, prefix: 's1:' } });
  try {
    assert.equal(again.broker.client(id), undefined, 'the restarted node does not load a session another node owns');
  } finally {
    await again.close();
  }
});
