// The embedding API: inline publish/subscribe (QoS 0–2, shared groups, properties, unsubscribe), inject, read access, capabilities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker, DEFAULT_CAPABILITIES, PacketType, SwiftletError } from '../../src/index.js';
import type { Capabilities, InlineMessage, QoS } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { pingRoundTrip, publishQoS0, rawSession, receivePublishes } from '../helpers/raw-session.js';
import { publishPacket } from '../helpers/packets.js';

test('inline subscribe receives MQTT.js publishes at min(published, subscribed) QoS, with properties and publisher', async () => {
  const tb = await startBroker();
  try {
    const got: InlineMessage[] = [];
    const s1 = tb.broker.subscribe('in/q1/#', (m) => got.push(m), { qos: 1 });
    const m = await connectClient(tb.port, { protocolVersion: 5, clientId: 'emb-pub' });
    for (const qos of [0, 1, 2] as QoS[]) {
      await m.publishAsync(`in/q1/${qos}`, `p${qos}`, { qos, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    }
    await waitFor(() => got.length === 3, 2000, 'three inline deliveries');
    assert.deepEqual(got.map((x) => [x.topic, x.qos, x.payload.toString(), x.publisher]), [
      ['in/q1/0', 0, 'p0', 'emb-pub'],
      ['in/q1/1', 1, 'p1', 'emb-pub'],
      ['in/q1/2', 1, 'p2', 'emb-pub'],
    ]);
    assert.equal(got[0]!.properties.contentType, 'text/plain');
    assert.deepEqual(got[0]!.properties.userProperties, [['k', 'v']]);
    // The unsubscribe handle ends deliveries.
    s1.unsubscribe();
    await m.publishAsync('in/q1/0', 'after', { qos: 1 });
    assert.equal(got.length, 3);
    await endClient(m);
  } finally {
    await tb.close();
  }
});

test('inline publish at QoS 0, 1 and 2 reaches an MQTT.js subscriber at that QoS; the return value counts sessions', async () => {
  const tb = await startBroker();
  try {
    const m = await connectClient(tb.port, { protocolVersion: 5, clientId: 'emb-sub' });
    const got = collect(m);
    await m.subscribeAsync('out/#', { qos: 2 });
    assert.equal(tb.broker.publish('nobody/here', 'x'), 0);
    for (const qos of [0, 1, 2] as QoS[]) {
      assert.equal(tb.broker.publish(`out/${qos}`, Buffer.from(`m${qos}`), { qos, properties: { correlationData: Buffer.from('c') } }), 1);
    }
    await waitFor(() => got.length === 3, 2000, 'three messages');
    assert.deepEqual(got.map((x) => [x.topic, x.packet.qos, x.payload.toString()]), [['out/0', 0, 'm0'], ['out/1', 1, 'm1'], ['out/2', 2, 'm2']]);
    assert.deepEqual(got[2]!.packet.properties?.correlationData, Buffer.from('c'));
    await endClient(m);
  } finally {
    await tb.close();
  }
});

test('an inline member of a shared group shares with MQTT.js members', async () => {
  const tb = await startBroker();
  try {
    const inline: string[] = [];
    const handle = tb.broker.subscribe('$share/workers/task', (m) => inline.push(m.payload.toString()));
    const m = await connectClient(tb.port, { protocolVersion: 5, clientId: 'emb-worker' });
    const got = collect(m);
    await m.subscribeAsync('$share/workers/task', { qos: 1 });
    for (let i = 0; i < 6; i++) tb.broker.publish('task', String(i), { qos: 1 });
    await waitFor(() => inline.length + got.length === 6, 2000, 'six deliveries');
    assert.equal(inline.length, 3);
    assert.equal(got.length, 3);
    assert.deepEqual([...inline, ...got.map((x) => x.payload.toString())].sort(), ['0', '1', '2', '3', '4', '5']);
    handle.unsubscribe();
    tb.broker.publish('task', 'solo', { qos: 1 });
    await waitFor(() => got.length === 4, 2000, 'the remaining member gets it');
    assert.equal(inline.length, 3);
    await endClient(m);
  } finally {
    await tb.close();
  }
});

test('inline subscribe: retained messages on subscribe, subscription identifier, invalid filter rejected', async () => {
  const tb = await startBroker();
  try {
    tb.broker.publish('keep/a', 'ra', { retain: true, qos: 1 });
    const got: InlineMessage[] = [];
    tb.broker.subscribe('keep/#', (m) => got.push(m), { identifier: 12 });
    assert.equal(got.length, 1);
    assert.equal(got[0]!.retain, true);
    tb.broker.publish('keep/b', 'live');
    assert.deepEqual(got[1]!.properties.subscriptionIdentifiers, [12]);
    const skipped: InlineMessage[] = [];
    tb.broker.subscribe('keep/#', (m) => skipped.push(m), { retained: false });
    assert.equal(skipped.length, 0);
    assert.throws(() => tb.broker.subscribe('a/#/b', () => undefined), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_SUBSCRIBE_INVALID_FILTER');
    assert.throws(() => tb.broker.publish('a/+', 'x'), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_PUBLISH_INVALID_TOPIC');
  } finally {
    await tb.close();
  }
});

test('inject for a connected client goes through ACL and hooks', async () => {
  const tb = await startBroker();
  const seen: string[] = [];
  await tb.broker.addHook({
    id: 'acl',
    checkAcl: (_client, topic, access) => (access === 'publish' && topic.startsWith('deny/') ? 'deny' : 'allow'),
    onPublish: (client, packet) => {
      seen.push(`${client?.id ?? 'null'}:${packet.topic}`);
      return packet;
    },
  });
  try {
    const got: InlineMessage[] = [];
    tb.broker.subscribe('#', (m) => got.push(m));
    const c = await rawSession(tb.port, 5, 'inj-conn');
    tb.broker.inject('inj-conn', publishPacket('deny/x', 'no'));
    tb.broker.inject('inj-conn', publishPacket('ok/x', 'yes'));
    await pingRoundTrip(c);
    assert.deepEqual(got.map((m) => [m.topic, m.publisher]), [['ok/x', 'inj-conn']]);
    assert.deepEqual(seen, ['inj-conn:ok/x']);
    c.destroy();
  } finally {
    await tb.close();
  }
});

test('inject for a client that is not connected: PUBLISH routed with that origin, No Local respected; other packets refused', async () => {
  const tb = await startBroker();
  try {
    // 'ghost' has an offline session with a No Local subscription: its own injected message must not be queued for it.
    const ghost = await rawSession(tb.port, 5, 'ghost', { subscribe: [{ topic: 'g/#', qos: 1, noLocal: true }], connect: { clean: false, properties: { sessionExpiryInterval: 60 } } });
    ghost.destroy();
    await waitFor(() => tb.broker.client('ghost')?.connected === false, 2000, 'ghost offline');
    const got: InlineMessage[] = [];
    tb.broker.subscribe('g/#', (m) => got.push(m));
    const s = await rawSession(tb.port, 5, 'inj-watch', { subscribe: [{ topic: 'g/#', qos: 1 }] });
    tb.broker.inject('ghost', publishPacket('g/1', 'boo', 1, 1));
    const [p] = await receivePublishes(s, 1);
    assert.equal(p!.payload.toString(), 'boo');
    assert.deepEqual(got.map((m) => m.publisher), ['ghost']);
    assert.equal(tb.broker.client('ghost')?.queued, 0);
    // Someone else's message is queued for the offline ghost.
    tb.broker.inject('phantom', publishPacket('g/2', 'other', 1, 1));
    assert.equal(tb.broker.client('ghost')?.queued, 1);
    assert.throws(() => tb.broker.inject('phantom', { type: PacketType.PINGREQ }), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_CLIENT_UNKNOWN');
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('read access: clients(), client(id), retained(), stats', async () => {
  const tb = await startBroker({ sysInterval: 0 });
  try {
    const v5 = await rawSession(tb.port, 5, 'ra-5', { subscribe: [{ topic: 'ra/#', qos: 1 }, { topic: '$share/g/ra/x', qos: 0 }], connect: { properties: { receiveMaximum: 1 } } });
    const v4 = await rawSession(tb.port, 4, 'ra-4', { connect: { username: 'bob', password: Buffer.from('pw') } });
    tb.broker.publish('ra/keep', 'r', { retain: true, qos: 1 });
    tb.broker.publish('ra/x', 'y', { qos: 1 });
    await receivePublishes(v5, 1);
    const snap = tb.broker.client('ra-5')!;
    assert.equal(snap.id, 'ra-5');
    assert.equal(snap.connected, true);
    assert.equal(snap.protocolVersion, 5);
    assert.equal(snap.remoteAddress, '127.0.0.1');
    assert.equal(snap.listenerId, 'tcp');
    assert.deepEqual(snap.subscriptions.map((x) => [x.filter, x.qos]).sort(), [['$share/g/ra/x', 0], ['ra/#', 1]]);
    assert.equal(snap.inflight, 1); // Receive Maximum 1, nothing acknowledged
    assert.ok(snap.queued >= 1);
    const four = tb.broker.client('ra-4')!;
    assert.equal(four.protocolVersion, 4);
    assert.equal(four.username, 'bob');
    assert.deepEqual(tb.broker.clients().map((x) => x.id).sort(), ['ra-4', 'ra-5']);
    assert.equal(tb.broker.client('nobody'), undefined);
    assert.deepEqual(tb.broker.retained('ra/#').map((r) => [r.topic, r.payload.toString(), r.qos]), [['ra/keep', 'r', 1]]);
    assert.deepEqual(tb.broker.retained('other/#'), []);
    const stats = tb.broker.stats;
    assert.equal(stats.clientsConnected, 2);
    assert.equal(stats.sessions, 2);
    assert.equal(stats.retainedMessages, 1);
    assert.ok(stats.subscriptions! >= 2);
    await publishQoS0(v4, 'ra/none', 'z');
    assert.ok(tb.broker.stats.messagesReceived! >= 1);
    v5.destroy();
    v4.destroy();
  } finally {
    await tb.close();
  }
});

test('capabilities: defaults as documented, merged with the given ones', () => {
  const b = new Broker({ capabilities: { receiveMaximum: 10 } });
  assert.deepEqual(b.capabilities, { ...DEFAULT_CAPABILITIES, receiveMaximum: 10 });
  assert.equal(DEFAULT_CAPABILITIES.maximumQoS, 2);
  assert.equal(DEFAULT_CAPABILITIES.topicAliasMaximum, 1024);
  assert.equal(Object.isFrozen(DEFAULT_CAPABILITIES), true);
});

const invalid: [keyof Capabilities, unknown][] = [
  ['receiveMaximum', 0],
  ['receiveMaximum', 70000],
  ['maximumQoS', 3],
  ['topicAliasMaximum', -1],
  ['maximumPacketSize', 10],
  ['maximumSessionExpiryInterval', 1.5],
  ['retainAvailable', 'yes'],
  ['minimumProtocolVersion', 6],
  ['maximumKeepAlive', 70000],
];
for (const [key, value] of invalid) {
  test(`invalid capability ${key} = ${JSON.stringify(value)} → SwiftletError naming the key`, () => {
    assert.throws(
      () => new Broker({ capabilities: { [key]: value } }),
      (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_OPTIONS_INVALID' && e.message.includes(`capabilities.${key}`),
    );
  });
}
