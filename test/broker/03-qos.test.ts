// QoS 0/1/2 flows in both directions: acknowledgements, exactly-once, packet ids, resend on resume, ordering.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { publishPacket } from '../helpers/packets.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

const ack = (type: 4 | 5 | 6 | 7, packetId: number) => ({ type, packetId, reasonCode: 0, properties: {} });

describe('qos', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [3, 4, 5] as const) {
    test(`v${version}: inbound QoS 1 gets PUBACK with the same packet id [MQTT-3.3.4-1] [MQTT-2.2.1-5]`, async () => {
      const c = await rawSession(tb.port, version, `q1-in-${version}`);
      c.send(publishPacket('q/in1', 'x', 1, 4321));
      const a = await c.expect(PacketType.PUBACK);
      assert.equal(a.packetId, 4321);
      assert.equal(a.reasonCode, 0);
      c.destroy();
    });
  }

  for (const version of [4, 5] as const) {
    test(`v${version}: inbound QoS 2 is delivered exactly once; a re-sent PUBLISH before PUBREL gets PUBREC only; PUBREL → PUBCOMP [MQTT-4.3.3-10] [MQTT-4.3.3-11] [MQTT-4.3.3-2]`, async () => {
      const topic = `q/exact/${version}`;
      const sub = await rawSession(tb.port, version, `q2-sub-${version}`, { subscribe: [{ topic, qos: 2 }] });
      const pub = await rawSession(tb.port, version, `q2-pub-${version}`);
      pub.send(publishPacket(topic, 'one', 2, 7));
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 7);
      pub.send(publishPacket(topic, 'one', 2, 7, { dup: true }));
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 7);
      pub.send(ack(PacketType.PUBREL, 7));
      const comp = await pub.expect(PacketType.PUBCOMP);
      assert.equal(comp.packetId, 7);
      assert.equal(comp.reasonCode, 0);
      const [m] = await receivePublishes(sub, 1);
      assert.equal(m!.payload.toString(), 'one');
      sub.send(ack(PacketType.PUBREC, m!.packetId));
      await sub.expect(PacketType.PUBREL);
      sub.send(ack(PacketType.PUBCOMP, m!.packetId));
      assert.equal(await sub.quiet(200), true, 'duplicate delivered');
      // [MQTT-4.3.3-12] after PUBCOMP the same id starts a new message.
      pub.send(publishPacket(topic, 'two', 2, 7));
      await pub.expect(PacketType.PUBREC);
      const [m2] = await receivePublishes(sub, 1);
      assert.equal(m2!.payload.toString(), 'two');
      sub.destroy();
      pub.destroy();
    });

    test(`v${version}: outbound QoS 2: PUBREC is answered by PUBREL with the same id, PUBCOMP completes [MQTT-4.3.3-4] [MQTT-4.3.3-1]`, async () => {
      const topic = `q/out2/${version}`;
      const sub = await rawSession(tb.port, version, `q2o-sub-${version}`, { subscribe: [{ topic, qos: 2 }] });
      tb.broker.publish(topic, 'x', { qos: 2 });
      const [m] = await receivePublishes(sub, 1);
      assert.equal(m!.qos, 2);
      assert.equal(m!.dup, false); // [MQTT-4.3.3-2] (5.0) DUP 0 on the first attempt
      assert.notEqual(m!.packetId, 0);
      sub.send(ack(PacketType.PUBREC, m!.packetId));
      const rel = await sub.expect(PacketType.PUBREL);
      assert.equal(rel.packetId, m!.packetId);
      sub.send(ack(PacketType.PUBCOMP, m!.packetId));
      await waitFor(() => tb.broker.client(`q2o-sub-${version}`)?.inflight === 0, 2000, 'inflight cleared');
      sub.destroy();
    });

    test(`v${version}: unacknowledged outbound messages use distinct non-zero packet ids [MQTT-2.2.1-4]`, async () => {
      const topic = `q/ids/${version}`;
      const sub = await rawSession(tb.port, version, `ids-${version}`, { subscribe: [{ topic, qos: 2 }] });
      for (let i = 0; i < 10; i++) tb.broker.publish(topic, `m${i}`, { qos: (i % 2) + 1 as 1 | 2 });
      const got = await receivePublishes(sub, 10);
      const ids = got.map((p) => p.packetId);
      assert.ok(ids.every((id) => id > 0 && id <= 65535));
      assert.equal(new Set(ids).size, 10);
      assert.equal(tb.broker.client(`ids-${version}`)?.inflight, 10);
      sub.destroy();
    });

    test(`v${version}: DUP of an outgoing PUBLISH is independent of the incoming one [MQTT-3.3.1-3]`, async () => {
      const topic = `q/dup/${version}`;
      const sub = await rawSession(tb.port, version, `dup-sub-${version}`, { subscribe: [{ topic, qos: 1 }] });
      const pub = await rawSession(tb.port, version, `dup-pub-${version}`);
      pub.send(publishPacket(topic, 'd', 1, 2, { dup: true }));
      await pub.expect(PacketType.PUBACK);
      const [m] = await receivePublishes(sub, 1);
      assert.equal(m!.dup, false);
      sub.destroy();
      pub.destroy();
    });
  }

  test('v5: the broker sends no more unacknowledged PUBLISH than the client Receive Maximum [MQTT-3.3.4-9] [MQTT-4.9.0-2]', async () => {
    const topic = 'q/recvmax';
    const sub = await rawSession(tb.port, 5, 'recvmax-sub', { subscribe: [{ topic, qos: 1 }], connect: { properties: { receiveMaximum: 2 } } });
    for (let i = 0; i < 5; i++) tb.broker.publish(topic, `m${i}`, { qos: 1 });
    const first = await receivePublishes(sub, 2);
    assert.equal(await sub.quiet(200), true, 'more than Receive Maximum in flight');
    assert.equal(tb.broker.client('recvmax-sub')?.queued, 3);
    sub.send(ack(PacketType.PUBACK, first[0]!.packetId));
    const [third] = await receivePublishes(sub, 1);
    assert.equal(third!.payload.toString(), 'm2');
    // [MQTT-4.9.0-3] other packets are still answered while the quota is used up.
    sub.send({ type: PacketType.PINGREQ });
    await sub.expect(PacketType.PINGRESP);
    sub.destroy();
  });

  test('v5: after a PUBREC with an error code the same packet id starts a new message [MQTT-4.3.3-9]', async () => {
    const sub = await rawSession(tb.port, 5, 'pubrec-err-sub', { subscribe: [{ topic: 'q/recerr', qos: 2 }] });
    const pub = await rawSession(tb.port, 5, 'pubrec-err-pub');
    pub.send(publishPacket('$SYS/q', 'refused', 2, 9));
    const r = await pub.expect(PacketType.PUBREC);
    assert.equal(r.reasonCode, 0x87);
    pub.send(publishPacket('q/recerr', 'fresh', 2, 9));
    const r2 = await pub.expect(PacketType.PUBREC);
    assert.equal(r2.reasonCode, 0);
    const [m] = await receivePublishes(sub, 1);
    assert.equal(m!.payload.toString(), 'fresh');
    sub.destroy();
    pub.destroy();
  });

  test('v5: PUBREL for an unknown packet id gets PUBCOMP 0x92 [MQTT-4.3.3-11]', async () => {
    const c = await rawSession(tb.port, 5, 'pubrel-unknown');
    c.send(ack(PacketType.PUBREL, 555));
    const comp = await c.expect(PacketType.PUBCOMP);
    assert.equal(comp.packetId, 555);
    assert.equal(comp.reasonCode, 0x92);
    c.destroy();
  });

  test('v5: a PUBACK with an error code completes the message; it is not re-sent on resume [MQTT-4.4.0-2]', async () => {
    const opts = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const a = await rawSession(tb.port, 5, 'puback-err', { subscribe: [{ topic: 'q/ackerr', qos: 1 }], connect: opts });
    tb.broker.publish('q/ackerr', 'x', { qos: 1 });
    const [m] = await receivePublishes(a, 1);
    a.send({ type: PacketType.PUBACK, packetId: m!.packetId, reasonCode: 0x80, properties: {} });
    await waitFor(() => tb.broker.client('puback-err')?.inflight === 0, 2000, 'inflight cleared');
    a.destroy();
    await a.waitClosed();
    await waitFor(() => tb.broker.client('puback-err')?.connected === false, 2000, 'offline');
    const b = await RawClient.connect(tb.port, 5);
    await b.handshake('puback-err', opts);
    assert.equal(await b.quiet(200), true, 'message re-sent after an error PUBACK');
    b.destroy();
  });

  test('v4: a QoS 2 PUBLISH to an ACL-refused topic still completes the flow; PUBREL → PUBCOMP [MQTT-3.3.5-2] [MQTT-4.3.3-2]', async () => {
    const c = await rawSession(tb.port, 4, 'v4-refused-q2');
    c.send(publishPacket('$SYS/q', 'x', 2, 3));
    const r = await c.expect(PacketType.PUBREC);
    assert.equal(r.packetId, 3);
    c.send(ack(PacketType.PUBREL, 3));
    const comp = await c.expect(PacketType.PUBCOMP);
    assert.equal(comp.packetId, 3);
    c.destroy();
  });

  test('v4: 200 QoS 1 messages on one topic arrive in order [MQTT-4.6.0-6] (3.1.1)', async () => {
    const sub = await connectClient(tb.port, { protocolVersion: 4 });
    const pub = await connectClient(tb.port, { protocolVersion: 4 });
    const got = collect(sub);
    await sub.subscribeAsync('q/order4', { qos: 1 });
    await Promise.all(Array.from({ length: 200 }, (_v, i) => pub.publishAsync('q/order4', String(i), { qos: 1 })));
    await waitFor(() => got.length === 200, 5000, '200 messages');
    assert.deepEqual(got.map((m) => Number(m.payload.toString())), Array.from({ length: 200 }, (_v, i) => i));
    await endClient(sub);
    await endClient(pub);
  });

  test('v5: 200 QoS 1 messages on one topic arrive in order [MQTT-4.6.0-5] [MQTT-4.6.0-6]', async () => {
    const sub = await connectClient(tb.port, { protocolVersion: 5 });
    const pub = await connectClient(tb.port, { protocolVersion: 5 });
    const got = collect(sub);
    await sub.subscribeAsync('q/order5', { qos: 1 });
    await Promise.all(Array.from({ length: 200 }, (_v, i) => pub.publishAsync('q/order5', String(i), { qos: 1 })));
    await waitFor(() => got.length === 200, 5000, '200 messages');
    assert.deepEqual(got.map((m) => Number(m.payload.toString())), Array.from({ length: 200 }, (_v, i) => i));
    await endClient(sub);
    await endClient(pub);
  });
});

describe('qos: resend on session resume', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [4, 5] as const) {
    const persistent = version === 5 ? { clean: false, properties: { sessionExpiryInterval: 60 } } : { clean: false };

    test(`v${version}: an unacknowledged QoS 1 and QoS 2 PUBLISH are re-sent with DUP=1 and the same packet ids [MQTT-4.4.0-1] [MQTT-3.3.1-1]`, async () => {
      const id = `resend-pub-${version}`;
      const topic = `resend/${version}`;
      const a = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos: 2 }], connect: persistent });
      tb.broker.publish(topic, 'one', { qos: 1 });
      tb.broker.publish(topic, 'two', { qos: 2 });
      const first = await receivePublishes(a, 2);
      a.destroy();
      await a.waitClosed();
      await waitFor(() => tb.broker.client(id)?.connected === false, 2000, 'offline');
      const b = await RawClient.connect(tb.port, version);
      const connack = await b.handshake(id, persistent);
      assert.equal(connack.sessionPresent, true);
      const again = await receivePublishes(b, 2);
      assert.deepEqual(again.map((p) => p.packetId), first.map((p) => p.packetId));
      assert.deepEqual(again.map((p) => p.dup), [true, true]);
      assert.deepEqual(again.map((p) => p.qos), [1, 2]);
      assert.deepEqual(again.map((p) => p.payload.toString()), ['one', 'two']);
      b.send(ack(PacketType.PUBACK, again[0]!.packetId));
      b.send(ack(PacketType.PUBREC, again[1]!.packetId));
      await b.expect(PacketType.PUBREL);
      b.send(ack(PacketType.PUBCOMP, again[1]!.packetId));
      await waitFor(() => tb.broker.client(id)?.inflight === 0, 2000, 'inflight cleared');
      b.destroy();
    });

    test(`v${version}: an inbound QoS 2 PUBLISH re-sent after reconnecting (before PUBREL) is not delivered twice [MQTT-4.3.3-10] [MQTT-4.4.0-1]`, async () => {
      const id = `inbound-q2-resume-${version}`;
      const topic = `resendin/${version}`;
      const sub = await rawSession(tb.port, version, `${id}-sub`, { subscribe: [{ topic, qos: 2 }] });
      const a = await rawSession(tb.port, version, id, { connect: persistent });
      a.send(publishPacket(topic, 'once', 2, 17));
      await a.expect(PacketType.PUBREC);
      a.destroy();
      await a.waitClosed();
      await waitFor(() => tb.broker.client(id)?.connected === false, 2000, 'offline');
      const b = await RawClient.connect(tb.port, version);
      await b.handshake(id, persistent);
      b.send(publishPacket(topic, 'once', 2, 17, { dup: true }));
      assert.equal((await b.expect(PacketType.PUBREC)).packetId, 17);
      b.send(ack(PacketType.PUBREL, 17));
      assert.equal((await b.expect(PacketType.PUBCOMP)).reasonCode, 0);
      const [m] = await receivePublishes(sub, 1);
      assert.equal(m!.payload.toString(), 'once');
      sub.send(ack(PacketType.PUBREC, m!.packetId));
      await sub.expect(PacketType.PUBREL);
      assert.equal(await sub.quiet(200), true, 'delivered twice');
      sub.destroy();
      b.destroy();
    });

    test(`v${version}: a PUBREL without PUBCOMP is re-sent on resume, not the PUBLISH [MQTT-4.4.0-1] [MQTT-4.3.3-6]`, async () => {
      const id = `resend-rel-${version}`;
      const topic = `resendrel/${version}`;
      const a = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos: 2 }], connect: persistent });
      tb.broker.publish(topic, 'q2', { qos: 2 });
      const [m] = await receivePublishes(a, 1);
      a.send(ack(PacketType.PUBREC, m!.packetId));
      await a.expect(PacketType.PUBREL);
      a.destroy();
      await a.waitClosed();
      await waitFor(() => tb.broker.client(id)?.connected === false, 2000, 'offline');
      const b = await RawClient.connect(tb.port, version);
      await b.handshake(id, persistent);
      const rel = await b.expect(PacketType.PUBREL);
      assert.equal(rel.packetId, m!.packetId);
      b.send(ack(PacketType.PUBCOMP, m!.packetId));
      assert.equal(await b.quiet(200), true, 'PUBLISH re-sent after PUBREL');
      assert.equal(tb.broker.client(id)?.inflight, 0);
      b.destroy();
    });
  }
});
