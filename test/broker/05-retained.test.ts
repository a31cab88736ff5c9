// Retained messages: store, replace, clear, delivery on subscribe with RETAIN=1, retain flag on live deliveries, Retain Handling.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { publishPacket, subscribePacket } from '../helpers/packets.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

describe('retained', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [4, 5] as const) {
    const ids = version === 5 ? '[MQTT-3.3.1-5] [MQTT-3.3.1-9]' : '[MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8]';
    test(`v${version}: a retained message is stored and sent to a new subscriber with RETAIN=1 ${ids}`, async () => {
      const topic = `ret/store/${version}`;
      const pub = await rawSession(tb.port, version, `ret-pub-${version}`);
      pub.send(publishPacket(topic, 'kept', 1, 1, { retain: true }));
      await pub.expect(PacketType.PUBACK);
      const sub = await rawSession(tb.port, version, `ret-sub-${version}`, { subscribe: [{ topic, qos: 1 }] });
      const [m] = await receivePublishes(sub, 1);
      assert.equal(m!.payload.toString(), 'kept');
      assert.equal(m!.retain, true);
      assert.equal(m!.qos, 1);
      sub.destroy();
      pub.destroy();
    });

    test(`v${version}: a new retained message replaces the old one; RETAIN=0 leaves it alone ${version === 5 ? '[MQTT-3.3.1-5] [MQTT-3.3.1-8]' : '[MQTT-3.3.1-5] [MQTT-3.3.1-12]'}`, async () => {
      const topic = `ret/replace/${version}`;
      const pub = await rawSession(tb.port, version, `rep-pub-${version}`);
      pub.send(publishPacket(topic, 'first', 0, 0, { retain: true }));
      pub.send(publishPacket(topic, 'second', 0, 0, { retain: true }));
      pub.send(publishPacket(topic, 'not retained', 1, 3));
      await pub.expect(PacketType.PUBACK);
      assert.deepEqual(tb.broker.retained(topic).map((r) => r.payload.toString()), ['second']);
      const sub = await rawSession(tb.port, version, `rep-sub-${version}`, { subscribe: [{ topic, qos: 0 }] });
      const [m] = await receivePublishes(sub, 1);
      assert.equal(m!.payload.toString(), 'second');
      assert.equal(await sub.quiet(150), true, 'more than one retained message');
      sub.destroy();
      pub.destroy();
    });

    test(`v${version}: an empty retained payload clears the topic and is still delivered live ${version === 5 ? '[MQTT-3.3.1-6] [MQTT-3.3.1-7]' : '[MQTT-3.3.1-10] [MQTT-3.3.1-11]'}`, async () => {
      const topic = `ret/clear/${version}`;
      const pub = await rawSession(tb.port, version, `clr-pub-${version}`);
      pub.send(publishPacket(topic, 'x', 1, 1, { retain: true }));
      await pub.expect(PacketType.PUBACK);
      const live = await rawSession(tb.port, version, `clr-live-${version}`, { subscribe: [{ topic, qos: 0 }] });
      await receivePublishes(live, 1); // the retained one
      pub.send(publishPacket(topic, Buffer.alloc(0), 1, 2, { retain: true }));
      await pub.expect(PacketType.PUBACK);
      const [empty] = await receivePublishes(live, 1);
      assert.equal(empty!.payload.length, 0);
      assert.deepEqual(tb.broker.retained(topic), []);
      const late = await rawSession(tb.port, version, `clr-late-${version}`, { subscribe: [{ topic, qos: 0 }] });
      assert.equal(await late.quiet(200), true, 'cleared message was delivered');
      late.destroy();
      live.destroy();
      pub.destroy();
    });

    test(`v${version}: wildcard subscriptions receive every matching retained message`, async () => {
      const pub = await rawSession(tb.port, version, `wret-pub-${version}`);
      for (const t of ['a', 'b', 'c']) pub.send(publishPacket(`ret/wild/${version}/${t}`, t, 0, 0, { retain: true }));
      pub.send({ type: PacketType.PINGREQ });
      await pub.expect(PacketType.PINGRESP);
      const sub = await rawSession(tb.port, version, `wret-sub-${version}`, { subscribe: [{ topic: `ret/wild/${version}/+`, qos: 0 }] });
      const got = await receivePublishes(sub, 3);
      assert.deepEqual(got.map((p) => p.payload.toString()).sort(), ['a', 'b', 'c']);
      assert.ok(got.every((p) => p.retain));
      sub.destroy();
      pub.destroy();
    });
  }

  test('v4: live deliveries carry RETAIN=0 even when published retained [MQTT-3.3.1-9] (3.1.1)', async () => {
    const topic = 'ret/live/4';
    const sub = await rawSession(tb.port, 4, 'live-sub-4', { subscribe: [{ topic, qos: 0 }] });
    const pub = await rawSession(tb.port, 4, 'live-pub-4');
    pub.send(publishPacket(topic, 'r', 0, 0, { retain: true }));
    const [m] = await receivePublishes(sub, 1);
    assert.equal(m!.retain, false);
    sub.destroy();
    pub.destroy();
  });

  test('v5: live deliveries keep RETAIN only with Retain As Published [MQTT-3.3.1-12] [MQTT-3.3.1-13]', async () => {
    const topic = 'ret/rap/5';
    const plain = await rawSession(tb.port, 5, 'rap-0', { subscribe: [{ topic, qos: 0, retainAsPublished: false }] });
    const rap = await rawSession(tb.port, 5, 'rap-1', { subscribe: [{ topic, qos: 0, retainAsPublished: true }] });
    const pub = await rawSession(tb.port, 5, 'rap-pub');
    pub.send(publishPacket(topic, 'r', 0, 0, { retain: true }));
    pub.send(publishPacket(topic, 'n', 0, 0, { retain: false }));
    const a = await receivePublishes(plain, 2);
    const b = await receivePublishes(rap, 2);
    assert.deepEqual(a.map((p) => p.retain), [false, false]);
    assert.deepEqual(b.map((p) => p.retain), [true, false]);
    for (const c of [plain, rap, pub]) c.destroy();
  });

  test('v5: Retain Handling 1 sends retained messages only for a new subscription, 2 never [MQTT-3.3.1-10] [MQTT-3.3.1-11]', async () => {
    const topic = 'ret/rh/5';
    tb.broker.publish(topic, 'held', { retain: true });
    const c1 = await rawSession(tb.port, 5, 'rh-1', { subscribe: [{ topic, qos: 0, retainHandling: 1 }] });
    await receivePublishes(c1, 1);
    c1.send(subscribePacket(2, [{ topic, qos: 0, retainHandling: 1 }]));
    await c1.expect(PacketType.SUBACK);
    assert.equal(await c1.quiet(150), true, 'sent again for an existing subscription');
    const c2 = await rawSession(tb.port, 5, 'rh-2', { subscribe: [{ topic, qos: 0, retainHandling: 2 }] });
    assert.equal(await c2.quiet(150), true, 'sent with Retain Handling 2');
    c1.destroy();
    c2.destroy();
  });

  test('v5: Retain Handling 0 re-sends retained messages when a subscription is replaced [MQTT-3.8.4-4]', async () => {
    const topic = 'ret/rh0/5';
    tb.broker.publish(topic, 'held', { retain: true });
    const c = await rawSession(tb.port, 5, 'rh-0', { subscribe: [{ topic, qos: 0 }] });
    await receivePublishes(c, 1);
    c.send(subscribePacket(2, [{ topic, qos: 1 }]));
    await c.expect(PacketType.SUBACK);
    const [again] = await receivePublishes(c, 1);
    assert.equal(again!.payload.toString(), 'held');
    c.destroy();
  });

  test('retained messages delivered on subscribe honour min(stored QoS, granted QoS) [MQTT-3.8.4-8]', async () => {
    tb.broker.publish('ret/qos', 'two', { qos: 2, retain: true });
    const c = await rawSession(tb.port, 5, 'ret-qos', { subscribe: [{ topic: 'ret/qos', qos: 1 }] });
    const [m] = await receivePublishes(c, 1);
    assert.equal(m!.qos, 1);
    c.destroy();
  });
});
