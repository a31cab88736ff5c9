// Cross-node semantics that the broker suite in cluster mode (`npm run test:cluster`) found missing, each proven here
// on two brokers joined through a real redis-server, with the publisher on one node and the subscriber on the other.
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
  ({ redis, a, b } = await startTwoNodes('sem', 'sem:', { durable: false }));
});

after(() => stopTwoNodes({ redis, a, b }, clients));

const client = (port: number, options: Parameters<typeof trackedClient>[2] = {}): Promise<MqttClient> => trackedClient(clients, port, options);

test('after SUBACK on one node, a message published at once on the other node reaches the new subscription', async () => {
  const sub = await client(b.port, { protocolVersion: 5, clientId: 'suback-sub' });
  const pub = await client(a.port, { protocolVersion: 5, clientId: 'suback-pub' });
  const got = collect(sub);
  // Each round is a filter no node has seen: the SUBACK must not come before node a knows the route.
  for (let i = 0; i < 20; i++) {
    await sub.subscribeAsync(`suback/${i}`, { qos: 1 });
    await pub.publishAsync(`suback/${i}`, `m${i}`, { qos: 1 });
  }
  await waitFor(() => got.length === 20, 5000, '20 messages');
  assert.deepEqual(got.map((m) => m.payload.toString()), Array.from({ length: 20 }, (_, i) => `m${i}`));
});

test('once PUBACK says a retained message was received on one node, a new subscriber on the other node gets it', async () => {
  const pub = await client(a.port, { protocolVersion: 5, clientId: 'ret-pub' });
  for (let i = 0; i < 10; i++) {
    await pub.publishAsync(`ret-ack/${i}`, `kept ${i}`, { qos: 1, retain: true });
    // No waiting for node b: the acknowledgement already means the message left node a.
    const late = await client(b.port, { protocolVersion: 5, clientId: `ret-late-${i}` });
    const got = collect(late);
    await late.subscribeAsync(`ret-ack/${i}`, { qos: 1 });
    await waitFor(() => got.length === 1, 3000, `retained ${i} on node b`);
    assert.equal(got[0]!.payload.toString(), `kept ${i}`);
    assert.equal(got[0]!.packet.retain, true);
  }
});

test('PUBACKs keep the order of the PUBLISH packets when some messages cross nodes and some stay local', async () => {
  const remote = await client(b.port, { protocolVersion: 5, clientId: 'order-remote' });
  await remote.subscribeAsync('order/remote', { qos: 1 });
  const raw = await client(a.port, { protocolVersion: 5, clientId: 'order-pub' });
  const acks: number[] = [];
  raw.on('packetreceive', (p) => {
    if (p.cmd === 'puback' && p.messageId !== undefined) acks.push(p.messageId);
  });
  const sent: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) sent.push(raw.publishAsync(i % 2 === 0 ? 'order/remote' : 'order/local', String(i), { qos: 1 }));
  await Promise.all(sent);
  const sorted = [...acks].sort((x, y) => x - y);
  assert.deepEqual(acks, sorted, 'PUBACKs in PUBLISH order');
  assert.equal(acks.length, 40);
});

test('a PUBACK for a message that crosses nodes waits until Redis has it; a message that stays local is acknowledged at once', async () => {
  const remote = await client(b.port, { protocolVersion: 5, clientId: 'held-remote' });
  await remote.subscribeAsync('held/remote', { qos: 1 });
  const local = await client(a.port, { protocolVersion: 5, clientId: 'held-local' });
  await local.subscribeAsync('held/local', { qos: 1 });
  const got = collect(remote);
  const pub = await client(a.port, { protocolVersion: 5, clientId: 'held-pub' });
  redis.pause();
  let acked = false;
  try {
    await pub.publishAsync('held/local', 'stays here', { qos: 1 });
    const crossing = pub.publishAsync('held/remote', 'crosses', { qos: 1 }).then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(acked, false, 'PUBACK sent while Redis had not taken the message');
    redis.resume();
    await crossing;
  } finally {
    redis.resume();
  }
  await waitFor(() => got.length === 1, 3000, 'the message on node b');
  assert.equal(got[0]!.payload.toString(), 'crosses');
});

test("shared strategy 'hash' across nodes: each publisher's messages always go to the same member, wherever it is", async () => {
  const options = { sysInterval: 0, sharedSubscriptionStrategy: 'hash' as const, cluster: { redis: redis.url, prefix: 'sem-hash:' } };
  const x = await startBroker({ id: 'hash-x', ...options });
  const y = await startBroker({ id: 'hash-y', ...options });
  try {
    const members = [await client(x.port, { clientId: 'hm-1' }), await client(x.port, { clientId: 'hm-2' }), await client(y.port, { clientId: 'hm-3' })];
    const got = members.map((m) => collect(m));
    for (const m of members) await m.subscribeAsync('$share/g/hash/#', { qos: 1 });
    const publishers = await Promise.all(['hp-a', 'hp-b', 'hp-c', 'hp-d', 'hp-e', 'hp-f'].map((id, i) => client(i % 2 === 0 ? x.port : y.port, { clientId: id })));
    for (let round = 0; round < 5; round++) {
      for (const [k, p] of publishers.entries()) await p.publishAsync(`hash/${round}`, String(k), { qos: 1 });
    }
    await waitFor(() => got.reduce((n, g) => n + g.length, 0) === 30, 5000, '30 messages');
    const owner = new Map<string, number>();
    got.forEach((g, member) => {
      for (const m of g) {
        const publisher = m.payload.toString();
        assert.equal(owner.get(publisher) ?? member, member, `publisher ${publisher} reached two members`);
        owner.set(publisher, member);
      }
    });
    assert.equal(owner.size, 6);
  } finally {
    await x.close();
    await y.close();
  }
});
