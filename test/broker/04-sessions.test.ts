// Persistent sessions: subscriptions kept, offline queue (QoS 1/2; QoS 0 only when configured), bound and drop counts, expiry.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import type { ConnectPacket, ProtocolVersion } from '../../src/index.js';
import { startBroker, waitFor, delay } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

/** Connect options that keep a session after the connection closes. */
function persistent(version: ProtocolVersion, expiry = 60): Partial<ConnectPacket> {
  return version === 5 ? { clean: false, properties: { sessionExpiryInterval: expiry } } : { clean: false };
}

/** Closes a raw client and waits until the broker sees its session offline. */
async function goOffline(tb: TestBroker, c: RawClient, id: string): Promise<void> {
  c.destroy();
  await c.waitClosed();
  await waitFor(() => tb.broker.client(id)?.connected === false, 2000, `${id} offline`);
}

describe('sessions', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ capabilities: { maximumQueuedMessages: 3 } });
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [3, 4, 5] as const) {
    test(`v${version}: a persistent session keeps its subscriptions and queues QoS 1/2 (not QoS 0) while offline [MQTT-3.1.2-4] [MQTT-3.1.2-5] [MQTT-4.1.0-1]`, async () => {
      const id = `keep-${version}`;
      const topic = `sess/keep/${version}`;
      const a = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos: 2 }], connect: persistent(version) });
      await goOffline(tb, a, id);
      tb.broker.publish(topic, 'q0', { qos: 0 });
      tb.broker.publish(topic, 'q1', { qos: 1 });
      tb.broker.publish(topic, 'q2', { qos: 2 });
      assert.equal(tb.broker.client(id)?.queued, 2);
      const b = await RawClient.connect(tb.port, version);
      const ack = await b.handshake(id, persistent(version));
      if (version !== 3) assert.equal(ack.sessionPresent, true);
      const got = await receivePublishes(b, 2);
      assert.deepEqual(got.map((p) => [p.payload.toString(), p.qos]), [['q1', 1], ['q2', 2]]);
      assert.equal(await b.quiet(150), true, 'QoS 0 was queued');
      // The subscription is still there: a live publish arrives without re-subscribing.
      tb.broker.publish(topic, 'live', { qos: 0 });
      const [live] = await receivePublishes(b, 1);
      assert.equal(live!.payload.toString(), 'live');
      b.destroy();
    });

    test(`v${version}: the offline queue is bounded; drops are counted per client and in stats`, async () => {
      const id = `bound-${version}`;
      const topic = `sess/bound/${version}`;
      const a = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos: 1 }], connect: persistent(version) });
      await goOffline(tb, a, id);
      const before = tb.broker.stats.messagesDropped ?? 0;
      for (let i = 0; i < 5; i++) tb.broker.publish(topic, `m${i}`, { qos: 1 });
      const snap = tb.broker.client(id)!;
      assert.equal(snap.queued, 3);
      assert.equal(snap.dropped, 2);
      assert.equal((tb.broker.stats.messagesDropped ?? 0) - before, 2);
      const b = await RawClient.connect(tb.port, version);
      await b.handshake(id, persistent(version));
      const got = await receivePublishes(b, 3);
      assert.deepEqual(got.map((p) => p.payload.toString()), ['m0', 'm1', 'm2']);
      b.destroy();
    });
  }

  for (const version of [4, 5] as const) {
    test(`v${version}: clean start discards the previous session [MQTT-3.1.2-6] (3.1.1) [MQTT-3.1.2-4] (5.0)`, async () => {
      const id = `clean-${version}`;
      const topic = `sess/clean/${version}`;
      const a = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos: 1 }], connect: persistent(version) });
      await goOffline(tb, a, id);
      tb.broker.publish(topic, 'queued', { qos: 1 });
      const b = await RawClient.connect(tb.port, version);
      const ack = await b.handshake(id, { clean: true });
      assert.equal(ack.sessionPresent, false);
      assert.deepEqual(tb.broker.client(id)?.subscriptions, []);
      tb.broker.publish(topic, 'after', { qos: 1 });
      assert.equal(await b.quiet(200), true, 'old session state was reused');
      b.destroy();
    });
  }

  for (const version of [4, 5] as const) {
    test(`v${version}: a takeover without clean start resumes the session: unacknowledged messages are re-sent on the new connection [MQTT-3.1.4-3] [MQTT-4.4.0-1]`, async () => {
      const id = `takeover-resume-${version}`;
      const topic = `sess/takeover/${version}`;
      const a = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos: 1 }], connect: persistent(version) });
      tb.broker.publish(topic, 'unacked', { qos: 1 });
      const [first] = await receivePublishes(a, 1);
      const b = await RawClient.connect(tb.port, version);
      const ack = await b.handshake(id, persistent(version));
      assert.equal(ack.sessionPresent, true);
      if (version === 5) assert.equal((await a.expect(PacketType.DISCONNECT)).reasonCode, 0x8e);
      await a.waitClosed(1000);
      const [again] = await receivePublishes(b, 1);
      assert.equal(again!.packetId, first!.packetId);
      assert.equal(again!.dup, true);
      b.send({ type: PacketType.PUBACK, packetId: again!.packetId, reasonCode: 0, properties: {} });
      tb.broker.publish(topic, 'next', { qos: 1 });
      const [next] = await receivePublishes(b, 1);
      assert.equal(next!.payload.toString(), 'next');
      assert.equal(tb.broker.client(id)?.connected, true);
      b.destroy();
    });
  }

  test('v5: on resume, re-sent messages come first, then queued ones, within the new Receive Maximum [MQTT-4.6.0-6] [MQTT-3.3.4-9]', async () => {
    const id = 'resume-order';
    const topic = 'sess/resume-order';
    const opts = { clean: false, properties: { sessionExpiryInterval: 60, receiveMaximum: 1 } };
    const a = await rawSession(tb.port, 5, id, { subscribe: [{ topic, qos: 1 }], connect: opts });
    for (const p of ['m1', 'm2', 'm3']) tb.broker.publish(topic, p, { qos: 1 });
    const [m1] = await receivePublishes(a, 1);
    assert.equal(m1!.payload.toString(), 'm1');
    await goOffline(tb, a, id);
    const b = await RawClient.connect(tb.port, 5);
    await b.handshake(id, opts);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [p] = await receivePublishes(b, 1);
      order.push(p!.payload.toString());
      assert.equal(await b.quiet(100), true, 'more than Receive Maximum in flight');
      b.send({ type: PacketType.PUBACK, packetId: p!.packetId, reasonCode: 0, properties: {} });
    }
    assert.deepEqual(order, ['m1', 'm2', 'm3']);
    b.destroy();
  });

  test('v5: Session Expiry Interval 0 ends the session with the connection [MQTT-3.1.2-23]', async () => {
    const a = await rawSession(tb.port, 5, 'exp-zero', { subscribe: [{ topic: 'sess/exp0', qos: 1 }], connect: { clean: false, properties: {} } });
    a.destroy();
    await a.waitClosed();
    await waitFor(() => tb.broker.client('exp-zero') === undefined, 2000, 'session removed');
    const b = await RawClient.connect(tb.port, 5);
    const ack = await b.handshake('exp-zero', { clean: false });
    assert.equal(ack.sessionPresent, false);
    b.destroy();
  });

  test('v5: a session is kept for its expiry interval, then removed [MQTT-3.1.2-23]', async () => {
    const a = await rawSession(tb.port, 5, 'exp-one', { subscribe: [{ topic: 'sess/exp1', qos: 1 }], connect: { clean: false, properties: { sessionExpiryInterval: 1 } } });
    await goOffline(tb, a, 'exp-one');
    await delay(300);
    assert.notEqual(tb.broker.client('exp-one'), undefined, 'removed before its expiry');
    await waitFor(() => tb.broker.client('exp-one') === undefined, 3000, 'session expiry');
    const b = await RawClient.connect(tb.port, 5);
    const ack = await b.handshake('exp-one', { clean: false, properties: { sessionExpiryInterval: 1 } });
    assert.equal(ack.sessionPresent, false);
    b.destroy();
  });

  test('v5: DISCONNECT may shorten the session expiry to 0 [MQTT-3.14.2-2]', async () => {
    const a = await rawSession(tb.port, 5, 'exp-disc', { connect: { clean: false, properties: { sessionExpiryInterval: 60 } } });
    a.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await a.waitClosed();
    await waitFor(() => tb.broker.client('exp-disc') === undefined, 2000, 'session removed');
  });

  test('v5: DISCONNECT setting an expiry after 0 at CONNECT is a protocol error (0x82) [MQTT-3.14.2-2]', async () => {
    const a = await rawSession(tb.port, 5, 'exp-disc-bad', { connect: { clean: true, properties: {} } });
    a.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: { sessionExpiryInterval: 30 } });
    const d = await a.expect(PacketType.DISCONNECT);
    assert.equal(d.reasonCode, 0x82);
    await a.waitClosed(1000);
  });
});

describe('sessions: QoS 0 offline queueing', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ capabilities: { queueQoS0Offline: true } });
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [4, 5] as const) {
    test(`v${version}: with capabilities.queueQoS0Offline, QoS 0 messages are queued for an offline session`, async () => {
      const id = `q0-${version}`;
      const topic = `sess/q0/${version}`;
      const a = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos: 0 }], connect: persistent(version) });
      await goOffline(tb, a, id);
      tb.broker.publish(topic, 'zero', { qos: 0 });
      assert.equal(tb.broker.client(id)?.queued, 1);
      const b = await RawClient.connect(tb.port, version);
      await b.handshake(id, persistent(version));
      const [m] = await receivePublishes(b, 1);
      assert.equal(m!.payload.toString(), 'zero');
      assert.equal(m!.qos, 0);
      b.destroy();
    });
  }
});
