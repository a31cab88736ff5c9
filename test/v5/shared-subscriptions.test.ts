// Shared subscriptions $share/{group}/{filter}: one member per message, strategies, leaving members, redistribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import type { PublishPacket } from '../../src/index.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { expectDisconnect, pingRoundTrip, publishQoS0, rawSession, receivePublishes, subackCodes } from '../helpers/raw-session.js';
import { subscribePacket } from '../helpers/packets.js';

/** Drains every PUBLISH a client has received so far (after a PINGREQ round trip). */
async function drain(c: RawClient): Promise<PublishPacket[]> {
  await pingRoundTrip(c);
  const got = c.received.filter((p): p is PublishPacket => p.type === PacketType.PUBLISH);
  c.received.length = 0;
  return got;
}

test('5.0 and 3.1.1 members: each message to exactly one member, round-robin by default [MQTT-4.8.2-3]', async () => {
  const tb = await startBroker();
  try {
    const a = await rawSession(tb.port, 5, 'sh-a', { subscribe: [{ topic: '$share/g/jobs/+', qos: 1 }] });
    const b = await rawSession(tb.port, 4, 'sh-b', { subscribe: [{ topic: '$share/g/jobs/+', qos: 0 }] });
    const c = await rawSession(tb.port, 5, 'sh-c', { subscribe: [{ topic: '$share/g/jobs/+', qos: 2 }] });
    for (let i = 0; i < 6; i++) tb.broker.publish('jobs/x', String(i), { qos: 1 });
    const [ga, gb, gc] = await Promise.all([receivePublishes(a, 2), receivePublishes(b, 2), receivePublishes(c, 2)]);
    for (const x of [a, b, c]) assert.equal((await drain(x)).length, 0);
    const all = [...ga, ...gb, ...gc].map((m) => Number(m.payload.toString())).sort();
    assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
    // Round-robin in join order, each at its own granted QoS.
    assert.deepEqual(ga.map((m) => m.payload.toString()), ['0', '3']);
    assert.deepEqual(gb.map((m) => [m.payload.toString(), m.qos]), [['1', 0], ['4', 0]]);
    assert.deepEqual(gc.map((m) => [m.payload.toString(), m.qos]), [['2', 1], ['5', 1]]);
    for (const x of [a, b, c]) x.destroy();
  } finally {
    await tb.close();
  }
});

test('two groups on the same filter and a plain subscriber each get every message once', async () => {
  const tb = await startBroker();
  try {
    const g1a = await rawSession(tb.port, 5, 'g1a', { subscribe: ['$share/one/t'] });
    const g1b = await rawSession(tb.port, 5, 'g1b', { subscribe: ['$share/one/t'] });
    const g2 = await rawSession(tb.port, 5, 'g2', { subscribe: ['$share/two/t'] });
    const plain = await rawSession(tb.port, 5, 'plain', { subscribe: ['t'] });
    for (let i = 0; i < 4; i++) tb.broker.publish('t', String(i));
    await receivePublishes(g2, 4);
    await receivePublishes(plain, 4);
    const n1 = (await drain(g1a)).length + (await drain(g1b)).length;
    assert.equal(n1, 4);
    for (const x of [g1a, g1b, g2, plain]) x.destroy();
  } finally {
    await tb.close();
  }
});

test("strategy 'random': every message goes to exactly one member", async () => {
  const tb = await startBroker({ sharedSubscriptionStrategy: 'random' });
  try {
    const members = await Promise.all(['r1', 'r2', 'r3'].map((id) => rawSession(tb.port, 5, id, { subscribe: [{ topic: '$share/g/r', qos: 0 }] })));
    for (let i = 0; i < 30; i++) tb.broker.publish('r', String(i));
    const got: string[] = [];
    for (const m of members) got.push(...(await drain(m)).map((p) => p.payload.toString()));
    assert.deepEqual(got.map(Number).sort((x, y) => x - y), Array.from({ length: 30 }, (_v, i) => i));
    for (const m of members) m.destroy();
  } finally {
    await tb.close();
  }
});

test("strategy 'hash': messages from the same publisher always go to the same member", async () => {
  const tb = await startBroker({ sharedSubscriptionStrategy: 'hash' });
  try {
    const members = await Promise.all(['h1', 'h2', 'h3'].map((id) => rawSession(tb.port, 5, id, { subscribe: [{ topic: '$share/g/h/#', qos: 0 }] })));
    const publishers = await Promise.all(['pub-a', 'pub-b', 'pub-c', 'pub-d'].map((id) => rawSession(tb.port, 5, id)));
    for (let i = 0; i < 5; i++) {
      for (const [k, p] of publishers.entries()) await publishQoS0(p, `h/${i}`, `${k}`);
    }
    const owner = new Map<string, number>();
    let total = 0;
    for (const [mi, m] of members.entries()) {
      for (const p of await drain(m)) {
        total++;
        const from = p.payload.toString();
        if (!owner.has(from)) owner.set(from, mi);
        assert.equal(owner.get(from), mi, `publisher ${from} moved between members`);
      }
    }
    assert.equal(total, 20);
    for (const c of [...members, ...publishers]) c.destroy();
  } finally {
    await tb.close();
  }
});

test('a member that unsubscribes or disconnects stops receiving', async () => {
  const tb = await startBroker();
  try {
    const a = await rawSession(tb.port, 5, 'lv-a', { subscribe: [{ topic: '$share/g/lv', qos: 0 }] });
    const b = await rawSession(tb.port, 5, 'lv-b', { subscribe: [{ topic: '$share/g/lv', qos: 0 }] });
    const c = await rawSession(tb.port, 5, 'lv-c', { subscribe: [{ topic: '$share/g/lv', qos: 0 }], connect: { clean: false, properties: { sessionExpiryInterval: 60 } } });
    b.send({ type: PacketType.UNSUBSCRIBE, packetId: 2, topics: ['$share/g/lv'], properties: {} });
    assert.deepEqual((await b.expect(PacketType.UNSUBACK)).reasonCodes, [0]);
    c.destroy(); // persistent session stays, but its connection is gone
    await waitFor(() => tb.broker.client('lv-c')?.connected === false, 2000, 'lv-c offline');
    for (let i = 0; i < 4; i++) tb.broker.publish('lv', String(i));
    assert.equal((await receivePublishes(a, 4)).length, 4);
    assert.equal((await drain(b)).length, 0);
    a.destroy();
    b.destroy();
  } finally {
    await tb.close();
  }
});

for (const expiry of [0, 60]) {
  test(`unacknowledged QoS 1 messages of a member whose connection drops go to another member (session expiry ${expiry})`, async () => {
    const tb = await startBroker();
    try {
      const first = await rawSession(tb.port, 5, `rd-1-${expiry}`, { subscribe: [{ topic: '$share/g/rd', qos: 1 }], connect: { clean: false, properties: { sessionExpiryInterval: expiry } } });
      tb.broker.publish('rd', 'm1', { qos: 1 });
      tb.broker.publish('rd', 'm2', { qos: 1 });
      const held = await receivePublishes(first, 2); // never acknowledged
      assert.deepEqual(held.map((m) => m.payload.toString()), ['m1', 'm2']);
      const second = await rawSession(tb.port, 5, `rd-2-${expiry}`, { subscribe: [{ topic: '$share/g/rd', qos: 1 }] });
      first.destroy();
      const moved = await receivePublishes(second, 2);
      assert.deepEqual(moved.map((m) => m.payload.toString()).sort(), ['m1', 'm2']);
      assert.ok(moved.every((m) => m.qos === 1));
      second.destroy();
    } finally {
      await tb.close();
    }
  });
}

test('retained messages are not sent on a shared subscribe', async () => {
  const tb = await startBroker();
  try {
    tb.broker.publish('sr/t', 'kept', { retain: true });
    const s = await rawSession(tb.port, 5, 'sr');
    assert.deepEqual(await subackCodes(s, 1, ['$share/g/sr/#']), [2]);
    assert.equal((await drain(s)).length, 0);
    tb.broker.publish('sr/t', 'live');
    assert.equal((await receivePublishes(s, 1))[0]!.payload.toString(), 'live');
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('invalid share names → DISCONNECT 0x82 (5.0), SUBACK 0x80 (3.1.1, where they are plain filters) [MQTT-4.8.2-1] [MQTT-4.8.2-2]', async () => {
  const tb = await startBroker();
  try {
    const bad = ['$share//x', '$share/a+/x', '$share/a#/x', '$share/a', '$share/a/', '$share/a/b#'];
    for (const [i, filter] of bad.entries()) {
      const s = await rawSession(tb.port, 5, `sn-bad-${i}`);
      s.send(subscribePacket(1, [filter, '$share/ok/x']));
      assert.equal(await expectDisconnect(s), 0x82, filter);
    }
    const ok = await rawSession(tb.port, 5, 'sn-ok');
    assert.deepEqual(await subackCodes(ok, 1, ['$share/ok/x', '$share/ok/+/y', '$share/ok//']), [2, 2, 2]);
    const v4 = await rawSession(tb.port, 4, 'sn-bad-4');
    assert.deepEqual(await subackCodes(v4, 1, ['$share//x', '$share/ok/y']), [0x80, 2]);
    ok.destroy();
    v4.destroy();
  } finally {
    await tb.close();
  }
});

test('No Local on a shared subscription → DISCONNECT 0x82 [MQTT-3.8.3-4]', async () => {
  const tb = await startBroker();
  try {
    const s = await rawSession(tb.port, 5, 'sn-nl');
    s.send({ type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [{ topic: '$share/g/x', qos: 1, noLocal: true, retainAsPublished: false, retainHandling: 0 }], properties: {} });
    assert.equal(await expectDisconnect(s), 0x82);
  } finally {
    await tb.close();
  }
});

test('sharedSubscriptionAvailable false: CONNACK says 0 and a shared subscribe → SUBACK 0x9E', async () => {
  const tb = await startBroker({ capabilities: { sharedSubscriptionAvailable: false } });
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('sn-off');
    assert.equal(ack.properties.sharedSubscriptionAvailable, 0);
    assert.deepEqual(await subackCodes(c, 1, ['$share/g/x', 'plain']), [0x9e, 2]);
    c.destroy();
  } finally {
    await tb.close();
  }
});
