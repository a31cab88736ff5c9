// PUBLISH / SUBSCRIBE / UNSUBSCRIBE / PING basics, QoS downgrade, overlapping subscriptions, the inline client.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, ReasonCode } from '../../src/index.js';
import type { InlineMessage } from '../../src/index.js';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { publishPacket, subscribePacket, unsubscribePacket } from '../helpers/packets.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

describe('publish and subscribe', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [4, 5] as const) {
    test(`v${version}: a QoS 0 publish reaches a subscriber (MQTT.js) [MQTT-3.3.2-3] [MQTT-4.5.0-1]`, async () => {
      const sub = await connectClient(tb.port, { protocolVersion: version });
      const pub = await connectClient(tb.port, { protocolVersion: version });
      const got = collect(sub);
      await sub.subscribeAsync(`ps/${version}/basic`, { qos: 0 });
      await pub.publishAsync(`ps/${version}/basic`, 'hello', { qos: 0 });
      await waitFor(() => got.length === 1, 2000, 'message');
      assert.equal(got[0]!.topic, `ps/${version}/basic`);
      assert.equal(got[0]!.payload.toString(), 'hello');
      assert.equal(got[0]!.packet.qos, 0);
      await endClient(sub);
      await endClient(pub);
    });

    test(`v${version}: SUBACK has one code per filter, in order, with the same packet id [MQTT-3.8.4-2] [MQTT-3.9.3-1] [MQTT-2.2.1-6]`, async () => {
      // A filter the broker refuses (here by ACL) gets its failure code in place; filters that break the topic
      // filter grammar close the connection instead (07-topics).
      const acl = await startBroker({ sysInterval: 0 }, (b) => {
        void b.addHook({ id: 'deny-one', checkAcl: (_c, topic, access) => (access === 'subscribe' && topic === 'denied/x' ? 'deny' : 'allow') });
      });
      try {
        const c = await rawSession(acl.port, version, `suback-${version}`);
        c.send(subscribePacket(77, [{ topic: 'a/b', qos: 2 }, { topic: 'denied/x', qos: 1 }, { topic: 'c', qos: 0 }, { topic: 'd/+', qos: 1 }]));
        const ack = await c.expect(PacketType.SUBACK);
        assert.equal(ack.packetId, 77);
        // 3.1.1 has only 0x80 for failure [MQTT-3.9.3-2]; 5.0 says 0x87 Not authorized.
        assert.deepEqual(ack.reasonCodes, [2, version === 5 ? ReasonCode.NOT_AUTHORIZED : 0x80, 0, 1]);
        c.destroy();
      } finally {
        await acl.close();
      }
    });

    test(`v${version}: delivery QoS is min(published, granted) [MQTT-3.8.4-8] [MQTT-3.8.4-6]`, async () => {
      const s0 = await rawSession(tb.port, version, `min-s0-${version}`, { subscribe: [{ topic: `min/${version}`, qos: 0 }] });
      const s1 = await rawSession(tb.port, version, `min-s1-${version}`, { subscribe: [{ topic: `min/${version}`, qos: 1 }] });
      const s2 = await rawSession(tb.port, version, `min-s2-${version}`, { subscribe: [{ topic: `min/${version}`, qos: 2 }] });
      const pub = await rawSession(tb.port, version, `min-p-${version}`);
      for (const q of [0, 1, 2] as const) {
        pub.send(publishPacket(`min/${version}`, `q${q}`, q, 10 + q));
        if (q === 1) await pub.expect(PacketType.PUBACK);
        if (q === 2) {
          await pub.expect(PacketType.PUBREC);
          pub.send({ type: PacketType.PUBREL, packetId: 12, reasonCode: 0, properties: {} });
          await pub.expect(PacketType.PUBCOMP);
        }
      }
      const expected: Record<string, number[]> = { s0: [0, 0, 0], s1: [0, 1, 1], s2: [0, 1, 2] };
      for (const [name, c] of [['s0', s0], ['s1', s1], ['s2', s2]] as const) {
        const got = await receivePublishes(c, 3);
        assert.deepEqual(got.map((p) => p.qos), expected[name], name);
        assert.deepEqual(got.map((p) => p.payload.toString()), ['q0', 'q1', 'q2']);
        for (const p of got) {
          if (p.qos === 1) c.send({ type: PacketType.PUBACK, packetId: p.packetId, reasonCode: 0, properties: {} });
        }
        c.destroy();
      }
      pub.destroy();
    });

    test(`v${version}: overlapping subscriptions deliver one copy at the highest granted QoS [MQTT-3.3.4-2] [MQTT-3.3.5-1]`, async () => {
      const c = await rawSession(tb.port, version, `overlap-${version}`, { subscribe: [
        { topic: `ov/${version}/+`, qos: 0 },
        { topic: `ov/${version}/#`, qos: 1 },
        { topic: `ov/${version}/x`, qos: 0 },
      ] });
      const pub = await rawSession(tb.port, version, `overlap-p-${version}`);
      pub.send(publishPacket(`ov/${version}/x`, 'once', 2, 5));
      await pub.expect(PacketType.PUBREC);
      const [p] = await receivePublishes(c, 1);
      assert.equal(p!.qos, 1);
      assert.equal(p!.payload.toString(), 'once');
      c.send({ type: PacketType.PUBACK, packetId: p!.packetId, reasonCode: 0, properties: {} });
      assert.equal(await c.quiet(200), true, 'a second copy arrived');
      c.destroy();
      pub.destroy();
    });

    test(`v${version}: UNSUBSCRIBE stops delivery and is answered with UNSUBACK [MQTT-3.10.4-2] [MQTT-3.10.4-4]`, async () => {
      const c = await rawSession(tb.port, version, `unsub-${version}`, { subscribe: [{ topic: `un/${version}`, qos: 0 }] });
      const pub = await rawSession(tb.port, version, `unsub-p-${version}`);
      pub.send(publishPacket(`un/${version}`, 'before'));
      await receivePublishes(c, 1);
      c.send(unsubscribePacket(9, [`un/${version}`, `un/${version}/never`]));
      const ack = await c.expect(PacketType.UNSUBACK);
      assert.equal(ack.packetId, 9);
      // 5.0: 0x00 success, 0x11 no subscription existed [MQTT-3.11.3-1] [MQTT-3.11.3-2]; 3.1.1: no payload.
      assert.deepEqual(ack.reasonCodes, version === 5 ? [ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED] : []);
      pub.send(publishPacket(`un/${version}`, 'after'));
      assert.equal(await c.quiet(200), true, 'delivered after UNSUBSCRIBE');
      c.destroy();
      pub.destroy();
    });

    test(`v${version}: UNSUBSCRIBE of an unknown filter still gets UNSUBACK [MQTT-3.10.4-5]`, async () => {
      const c = await rawSession(tb.port, version, `unsub-none-${version}`);
      c.send(unsubscribePacket(3, ['never/subscribed']));
      const ack = await c.expect(PacketType.UNSUBACK);
      assert.equal(ack.packetId, 3);
      if (version === 5) assert.deepEqual(ack.reasonCodes, [ReasonCode.NO_SUBSCRIPTION_EXISTED]);
      c.destroy();
    });

    test(`v${version}: PINGREQ is answered with PINGRESP [MQTT-3.12.4-1]`, async () => {
      const c = await rawSession(tb.port, version, `ping-${version}`);
      c.send({ type: PacketType.PINGREQ });
      await c.expect(PacketType.PINGRESP);
      c.destroy();
    });
  }

  test('v3 (3.1): publish and subscribe work end to end', async () => {
    const s = await rawSession(tb.port, 3, 'v31-sub', { subscribe: [{ topic: 'v31/t', qos: 1 }] });
    const p = await rawSession(tb.port, 3, 'v31-pub');
    p.send(publishPacket('v31/t', 'old', 1, 4));
    const ack = await p.expect(PacketType.PUBACK);
    assert.equal(ack.packetId, 4);
    const [m] = await receivePublishes(s, 1);
    assert.equal(m!.payload.toString(), 'old');
    assert.equal(m!.qos, 1);
    s.destroy();
    p.destroy();
  });

  test('a 3.1.1 subscriber receives a 5.0 publisher\'s message and vice versa', async () => {
    const s4 = await connectClient(tb.port, { protocolVersion: 4 });
    const s5 = await connectClient(tb.port, { protocolVersion: 5 });
    const got4 = collect(s4);
    const got5 = collect(s5);
    await s4.subscribeAsync('mix/+', { qos: 1 });
    await s5.subscribeAsync('mix/+', { qos: 1 });
    await s5.publishAsync('mix/from5', 'a', { qos: 1, properties: { userProperties: { k: 'v' } } });
    await s4.publishAsync('mix/from4', 'b', { qos: 1 });
    await waitFor(() => got4.length === 2 && got5.length === 2, 2000, 'both messages');
    assert.deepEqual(got4.map((m) => m.topic).sort(), ['mix/from4', 'mix/from5']);
    assert.deepEqual(got5.map((m) => m.topic).sort(), ['mix/from4', 'mix/from5']);
    await endClient(s4);
    await endClient(s5);
  });
});

describe('inline client', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.close();
  });

  test('broker.publish() reaches MQTT.js subscribers of both versions', async () => {
    const s4 = await connectClient(tb.port, { protocolVersion: 4 });
    const s5 = await connectClient(tb.port, { protocolVersion: 5 });
    const got4 = collect(s4);
    const got5 = collect(s5);
    await s4.subscribeAsync('inline/out', { qos: 1 });
    await s5.subscribeAsync('inline/out', { qos: 1 });
    const n = tb.broker.publish('inline/out', 'from broker', { qos: 1, properties: { contentType: 'text/plain' } });
    assert.equal(n, 2);
    await waitFor(() => got4.length === 1 && got5.length === 1, 2000, 'inline messages');
    assert.equal(got4[0]!.payload.toString(), 'from broker');
    assert.equal(got5[0]!.packet.qos, 1);
    assert.equal(got5[0]!.packet.properties?.contentType, 'text/plain');
    await endClient(s4);
    await endClient(s5);
  });

  test('broker.subscribe() receives client publishes with properties; unsubscribe stops it', async () => {
    const got: InlineMessage[] = [];
    const handle = tb.broker.subscribe('inline/in/#', (m) => got.push(m));
    const c = await connectClient(tb.port, { protocolVersion: 5, clientId: 'inline-pub' });
    await c.publishAsync('inline/in/a', 'x', { qos: 1, properties: { userProperties: { a: '1' }, correlationData: Buffer.from('cd') } });
    await waitFor(() => got.length === 1, 2000, 'inline delivery');
    assert.equal(got[0]!.topic, 'inline/in/a');
    assert.equal(got[0]!.payload.toString(), 'x');
    assert.equal(got[0]!.publisher, 'inline-pub');
    assert.deepEqual(got[0]!.properties.userProperties, [['a', '1']]);
    assert.deepEqual(got[0]!.properties.correlationData, Buffer.from('cd'));
    handle.unsubscribe();
    await c.publishAsync('inline/in/b', 'y', { qos: 1 });
    const probe = await connectClient(tb.port, { protocolVersion: 5 });
    const seen = collect(probe);
    await probe.subscribeAsync('inline/in/#');
    await c.publishAsync('inline/in/c', 'z', { qos: 1 });
    await waitFor(() => seen.length === 1, 2000, 'probe delivery');
    assert.equal(got.length, 1, 'handler called after unsubscribe');
    await endClient(c);
    await endClient(probe);
  });

  test('broker.publish() rejects an invalid topic with a SwiftletError', () => {
    assert.throws(() => tb.broker.publish('a/+/b', 'x'), { name: 'SwiftletError', code: 'SWIFTLET_ERR_PUBLISH_INVALID_TOPIC' });
    assert.throws(() => tb.broker.subscribe('a/#/b', () => undefined), { name: 'SwiftletError', code: 'SWIFTLET_ERR_SUBSCRIBE_INVALID_FILTER' });
  });
});
