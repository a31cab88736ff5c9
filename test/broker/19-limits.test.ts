// Configured limits (docs/capabilities.md, Limits): each one reached gets the reason code the specification provides
// (5.0) or the nearest 3.1.1 behaviour, and counts in stats.limitsReached / swiftlet_limits_reached_total.
//
// Glossary: "v5" / "v4" = a raw client speaking MQTT 5.0 / 3.1.1; "refused" = answered with a failure reason code
// (5.0) or acknowledged and dropped (3.1.1, which has no way to say no [MQTT-3.3.5-2 in 3.1.1]).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import type { Broker, Packet, ProtocolVersion, PublishPacket } from '../../src/index.js';
import { createBrokerMetrics } from '../../src/http/metrics.js';
import { connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { connectPacket, publishPacket, subscribePacket, unsubscribePacket } from '../helpers/packets.js';
import { publishQoS1, rawSession } from '../helpers/raw-session.js';
import { RawClient } from '../helpers/raw-client.js';

/** Times `limit` was reached so far. */
function reached(broker: Broker, limit: string): number {
  return broker.detailedStats().limitsReached[limit] ?? 0;
}

/** The PUBLISH packets `c` received before the answer to a PINGREQ (the broker handles packets in order). */
async function publishesBeforePong(c: RawClient): Promise<PublishPacket[]> {
  c.send({ type: PacketType.PINGREQ });
  const got: PublishPacket[] = [];
  for (;;) {
    const p: Packet | undefined = await c.next(3000);
    if (p === undefined) throw new Error('closed before PINGRESP');
    if (p.type === PacketType.PINGRESP) return got;
    if (p.type === PacketType.PUBLISH) got.push(p);
  }
}

/** CONNECT on a fresh raw connection; the CONNACK's reason code, or 'closed' when the broker closed without one. */
async function connackCode(port: number, version: ProtocolVersion, clientId: string, extra: Parameters<RawClient['handshake']>[1] = {}): Promise<number | 'closed'> {
  const c = await RawClient.connect(port, version);
  try {
    c.send(connectPacket(clientId, version, extra));
    const p = await c.next(3000);
    if (p === undefined) return 'closed';
    assert.equal(p.type, PacketType.CONNACK);
    if (p.type === PacketType.CONNACK && p.reasonCode !== 0) await c.waitClosed(3000); // [MQTT-3.2.2-5] closed after a refusal
    return p.type === PacketType.CONNACK ? p.reasonCode : 'closed';
  } finally {
    c.destroy();
  }
}

/** Waits for the broker to close `c`; returns the reason code of the DISCONNECT it sent first (undefined: none). */
async function closedWith(c: RawClient): Promise<number | undefined> {
  let code: number | undefined;
  for (;;) {
    const p = await c.next(3000);
    if (p === undefined) return code;
    if (p.type === PacketType.DISCONNECT) code = p.reasonCode;
  }
}

const userProperties = (n: number): [string, string][] => Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]);

describe('maximumPacketSize', () => {
  test('v5: a larger PUBLISH → DISCONNECT 0x95; v4: closed; a larger CONNECT: closed (its version is not read yet); counted [MQTT-3.2.2-15]', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { maximumPacketSize: 64 } });
    try {
      const v5 = await rawSession(tb.port, 5, 'size-v5');
      v5.send(publishPacket('a', Buffer.alloc(100), 0));
      assert.equal(await closedWith(v5), 0x95);
      const v4 = await rawSession(tb.port, 4, 'size-v4');
      v4.send(publishPacket('a', Buffer.alloc(100), 0));
      assert.equal(await closedWith(v4), undefined);
      assert.equal(await connackCode(tb.port, 5, 'x'.repeat(80)), 'closed');
      assert.equal(reached(tb.broker, 'maximumPacketSize'), 3);
    } finally {
      await tb.close();
    }
  });
});

describe('maximumClientIdLength and maximumClients', () => {
  test('a longer client id: v5 CONNACK 0x85, v4 return code 2 [MQTT-3.1.3-8] [MQTT-3.1.3-9]', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { maximumClientIdLength: 8 } });
    try {
      assert.equal(await connackCode(tb.port, 5, 'abcdefghi'), 0x85);
      assert.equal(await connackCode(tb.port, 4, 'abcdefghi'), 2);
      assert.equal(await connackCode(tb.port, 5, 'abcdefgh'), 0);
      assert.equal(reached(tb.broker, 'maximumClientIdLength'), 2);
    } finally {
      await tb.close();
    }
  });

  test('one client more than maximumClients: v5 CONNACK 0x89 Server busy, v4 return code 3', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { maximumClients: 1 } });
    try {
      const first = await rawSession(tb.port, 5, 'only');
      assert.equal(await connackCode(tb.port, 5, 'second'), 0x89);
      assert.equal(await connackCode(tb.port, 4, 'third'), 3);
      assert.equal(reached(tb.broker, 'maximumClients'), 2);
      first.destroy();
    } finally {
      await tb.close();
    }
  });
});

describe('memoryHighWaterMark', () => {
  test('above the mark new connections get 0x89 (v4: 3), connected clients keep working; below it they are accepted again', async () => {
    const tb = await startBroker({ sysInterval: 0 });
    const metrics = createBrokerMetrics(tb.broker);
    try {
      const pub = await rawSession(tb.port, 5, 'mem-pub');
      const sub = await rawSession(tb.port, 5, 'mem-sub', { subscribe: [{ topic: 'mem/#', qos: 1 }] });
      // Any running process uses more than one byte: the broker is above this mark at once (sampled on change).
      tb.broker.updateCapabilities({ memoryHighWaterMark: 1 });
      assert.equal(tb.broker.stats.memoryHigh, 1);
      assert.match(await metrics.registry.metrics(), /^swiftlet_memory_high 1$/m);
      assert.equal(await connackCode(tb.port, 5, 'mem-new-v5'), 0x89);
      assert.equal(await connackCode(tb.port, 4, 'mem-new-v4'), 3);
      const js = connectClient(tb.port, { protocolVersion: 5, clientId: 'mem-js' });
      await assert.rejects(js, (err: { code?: number }) => err.code === 0x89);
      assert.equal(reached(tb.broker, 'memoryHighWaterMark'), 3);
      // The clients already connected still get a QoS 1 round trip.
      assert.equal(await publishQoS1(pub, 'mem/a', 'still here', 1), 0);
      const got = await sub.expect(PacketType.PUBLISH);
      assert.equal(got.payload.toString(), 'still here');
      sub.send({ type: PacketType.PUBACK, packetId: got.packetId, reasonCode: 0, properties: {} });

      tb.broker.updateCapabilities({ memoryHighWaterMark: 1024 ** 4 });
      assert.equal(tb.broker.stats.memoryHigh, 0);
      assert.equal(await connackCode(tb.port, 4, 'mem-after'), 0);
      for (const c of [pub, sub]) c.destroy();
    } finally {
      metrics.stop();
      await tb.close();
    }
  });

  test('the housekeeping sweep samples memory: a mark set at start refuses without any update', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { memoryHighWaterMark: 1 } });
    try {
      assert.equal(await connackCode(tb.port, 5, 'at-start'), 0x89);
    } finally {
      await tb.close();
    }
  });
});

describe('maximumTopicLength and maximumTopicLevels', () => {
  for (const [limit, capabilities, bad, badFilter] of [
    ['maximumTopicLength', { maximumTopicLength: 10 }, 'long/topic/name', 'long/filter/#'],
    ['maximumTopicLevels', { maximumTopicLevels: 3 }, 'a/b/c/d', '$share/g/a/b/+/d'],
  ] as const) {
    test(`${limit}: PUBLISH v5 → PUBACK / PUBREC 0x90 and not routed, v4 acknowledged and dropped; SUBSCRIBE → SUBACK 0x8F (v4 0x80); will → CONNACK 0x90 (v4 3)`, async () => {
      const tb = await startBroker({ sysInterval: 0, capabilities });
      try {
        const sub = await rawSession(tb.port, 5, 'top-sub', { subscribe: ['#'] });
        const v5 = await rawSession(tb.port, 5, 'top-v5');
        assert.equal(await publishQoS1(v5, bad, 'x', 1), 0x90);
        v5.send(publishPacket(bad, 'x', 2, 2));
        const pubrec = await v5.expect(PacketType.PUBREC);
        assert.deepEqual([pubrec.packetId, pubrec.reasonCode], [2, 0x90]);
        v5.send(publishPacket(bad, 'x', 0));
        const v4 = await rawSession(tb.port, 4, 'top-v4');
        assert.equal(await publishQoS1(v4, bad, 'x', 1), 0);
        assert.deepEqual(await publishesBeforePong(sub), [], 'a refused message reached a subscriber');
        assert.equal(await publishQoS1(v5, 'a/b', 'ok', 3), 0);
        assert.deepEqual((await publishesBeforePong(sub)).map((p) => p.topic), ['a/b']);

        v5.send(subscribePacket(4, [badFilter, 'a/+']));
        assert.deepEqual((await v5.expect(PacketType.SUBACK)).reasonCodes, [0x8f, 2]);
        v4.send(subscribePacket(4, [badFilter, 'a/+']));
        assert.deepEqual((await v4.expect(PacketType.SUBACK)).reasonCodes, [0x80, 2]);

        const will = { topic: bad, payload: Buffer.from('w'), qos: 0 as const, retain: false, properties: {} };
        assert.equal(await connackCode(tb.port, 5, 'top-will-v5', { will }), 0x90);
        assert.equal(await connackCode(tb.port, 4, 'top-will-v4', { will }), 3);
        // 3 refused PUBLISH (QoS 1, 2, 0) + 1 from v4, 2 filters, 2 wills.
        assert.equal(reached(tb.broker, limit), 8);
        assert.equal(tb.broker.detailedStats().droppedByReason['publish-refused'], 4);
        for (const c of [sub, v5, v4]) c.destroy();
      } finally {
        await tb.close();
      }
    });
  }

  test('MQTT.js sees a refused publish as error 0x90 and a refused filter as granted 0x8F', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { maximumTopicLevels: 2 } });
    try {
      const client = await connectClient(tb.port, { protocolVersion: 5, clientId: 'top-js' });
      await assert.rejects(client.publishAsync('a/b/c', 'x', { qos: 1 }), (err: { code?: number }) => err.code === 0x90);
      await assert.rejects(client.subscribeAsync('a/b/#', { qos: 1 }), /Topic Filter invalid/);
      await client.publishAsync('a/b', 'x', { qos: 1 });
      await endClient(client);
    } finally {
      await tb.close();
    }
  });
});

describe('maximumUserProperties', () => {
  test('v5: more User Properties → 0x97 in CONNACK (will counted with it), PUBACK / PUBREC, SUBACK; on other packets DISCONNECT 0x97', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { maximumUserProperties: 2 } });
    try {
      assert.equal(await connackCode(tb.port, 5, 'up-connect', { properties: { userProperties: userProperties(3) } }), 0x97);
      const will = { topic: 'w', payload: Buffer.from('w'), qos: 0 as const, retain: false, properties: { userProperties: userProperties(2) } };
      assert.equal(await connackCode(tb.port, 5, 'up-will', { will, properties: { userProperties: userProperties(1) } }), 0x97);

      const sub = await rawSession(tb.port, 5, 'up-sub', { subscribe: [{ topic: 'up/#', qos: 1 }] });
      const pub = await rawSession(tb.port, 5, 'up-pub', { connect: { properties: { userProperties: userProperties(2) } } });
      assert.equal(await publishQoS1(pub, 'up/a', 'x', 1, { properties: { userProperties: userProperties(3) } }), 0x97);
      pub.send(publishPacket('up/a', 'x', 2, 2, { properties: { userProperties: userProperties(3) } }));
      assert.equal((await pub.expect(PacketType.PUBREC)).reasonCode, 0x97);
      assert.equal(await publishQoS1(pub, 'up/a', 'fits', 3, { properties: { userProperties: userProperties(2) } }), 0);
      const got = await sub.expect(PacketType.PUBLISH);
      assert.deepEqual([got.payload.toString(), got.properties.userProperties], ['fits', userProperties(2)]);

      pub.send(subscribePacket(4, ['x/1', 'x/2'], { userProperties: userProperties(3) }));
      assert.deepEqual((await pub.expect(PacketType.SUBACK)).reasonCodes, [0x97, 0x97]);
      // An acknowledgement cannot be refused on its own: the connection ends with DISCONNECT 0x97.
      sub.send({ type: PacketType.PUBACK, packetId: got.packetId, reasonCode: 0, properties: { userProperties: userProperties(3) } });
      assert.equal(await closedWith(sub), 0x97);
      pub.send(unsubscribePacket(5, ['x/1']));
      await pub.expect(PacketType.UNSUBACK);
      pub.send({ ...unsubscribePacket(6, ['x/1']), properties: { userProperties: userProperties(3) } });
      assert.equal(await closedWith(pub), 0x97);
      assert.equal(reached(tb.broker, 'maximumUserProperties'), 7);
    } finally {
      await tb.close();
    }
  });
});

describe('maximumSubscriptionsPerClient', () => {
  for (const version of [5, 4] as const) {
    test(`v${version}: a new filter past the limit gets SUBACK ${version === 5 ? '0x97' : '0x80'}; replacing one is allowed; unsubscribing makes room [MQTT-3.8.4-3]`, async () => {
      const tb = await startBroker({ sysInterval: 0, capabilities: { maximumSubscriptionsPerClient: 2 } });
      const refused = version === 5 ? 0x97 : 0x80;
      try {
        const c = await rawSession(tb.port, version, `subs-v${version}`);
        c.send(subscribePacket(1, ['a', 'b', 'c']));
        assert.deepEqual((await c.expect(PacketType.SUBACK)).reasonCodes, [2, 2, refused]);
        c.send(subscribePacket(2, [{ topic: 'a', qos: 1 }, 'c']));
        assert.deepEqual((await c.expect(PacketType.SUBACK)).reasonCodes, [1, refused]);
        c.send(unsubscribePacket(3, ['b']));
        await c.expect(PacketType.UNSUBACK);
        c.send(subscribePacket(4, ['c']));
        assert.deepEqual((await c.expect(PacketType.SUBACK)).reasonCodes, [2]);
        assert.deepEqual(tb.broker.client(`subs-v${version}`)?.subscriptions.map((s) => s.filter).sort(), ['a', 'c']);
        assert.equal(reached(tb.broker, 'maximumSubscriptionsPerClient'), 2);
        c.destroy();
      } finally {
        await tb.close();
      }
    });
  }
});

describe('maximumQueuedBytes', () => {
  for (const version of [5, 4] as const) {
    test(`v${version}: an offline session queues payload bytes up to the limit; the rest is dropped and counted`, async () => {
      const tb = await startBroker({ sysInterval: 0, capabilities: { maximumQueuedBytes: 10 } });
      try {
        const extra = version === 5 ? { clean: false, properties: { sessionExpiryInterval: 60 } } : { clean: false };
        const sub = await rawSession(tb.port, version, `qb-v${version}`, { subscribe: [{ topic: 'qb/#', qos: 1 }], connect: extra });
        sub.destroy();
        await waitFor(() => tb.broker.client(`qb-v${version}`)?.connected === false, 3000, 'offline');
        const pub = await rawSession(tb.port, 5, `qb-pub-v${version}`);
        for (let i = 1; i <= 4; i++) assert.equal(await publishQoS1(pub, 'qb/a', `m${i}xx`, i), 0); // 4 bytes each
        const view = tb.broker.client(`qb-v${version}`)!;
        assert.deepEqual([view.queued, view.queuedBytes, view.dropped], [2, 8, 2]);
        assert.equal(reached(tb.broker, 'maximumQueuedBytes'), 2);
        assert.equal(tb.broker.detailedStats().droppedByReason['offline-queue-full'], 2);

        const back = await RawClient.connect(tb.port, version);
        assert.equal((await back.handshake(`qb-v${version}`, extra)).reasonCode, 0);
        const got = [await back.expect(PacketType.PUBLISH), await back.expect(PacketType.PUBLISH)];
        assert.deepEqual(got.map((p) => p.payload.toString()), ['m1xx', 'm2xx']);
        for (const c of [pub, back]) c.destroy();
      } finally {
        await tb.close();
      }
    });
  }
});

describe('maximumInflight and receiveMaximum', () => {
  test('a full in-flight window makes messages wait (counted once per filling); they go as PUBACKs free it', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { maximumInflight: 1 } });
    try {
      const sub = await rawSession(tb.port, 4, 'win-sub', { subscribe: [{ topic: 'win', qos: 1 }] });
      const pub = await rawSession(tb.port, 4, 'win-pub');
      for (let i = 1; i <= 3; i++) assert.equal(await publishQoS1(pub, 'win', `m${i}`, i), 0);
      for (let i = 1; i <= 3; i++) {
        const p = await sub.expect(PacketType.PUBLISH);
        assert.equal(p.payload.toString(), `m${i}`);
        assert.equal(await sub.quiet(100), true, 'more than one message in flight');
        sub.send({ type: PacketType.PUBACK, packetId: p.packetId, reasonCode: 0, properties: {} });
      }
      assert.equal(reached(tb.broker, 'maximumInflight'), 1);
      for (const c of [sub, pub]) c.destroy();
    } finally {
      await tb.close();
    }
  });

  test('one QoS 2 PUBLISH more than the advertised Receive Maximum → DISCONNECT 0x93 [MQTT-3.3.4-7]', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { receiveMaximum: 2 } });
    try {
      const c = await RawClient.connect(tb.port, 5);
      const ack = await c.handshake('rm');
      assert.equal(ack.properties.receiveMaximum, 2);
      for (let i = 1; i <= 2; i++) {
        c.send(publishPacket('rm', 'x', 2, i));
        assert.equal((await c.expect(PacketType.PUBREC)).reasonCode, 0);
      }
      c.send(publishPacket('rm', 'x', 2, 3));
      assert.equal(await closedWith(c), 0x93);
      assert.equal(reached(tb.broker, 'receiveMaximum'), 1);
    } finally {
      await tb.close();
    }
  });
});

describe('reporting', () => {
  test('swiftlet_limits_reached_total by limit, limitsReachedTotal in stats and $SYS/broker/limits/reached', async () => {
    const tb = await startBroker({ sysInterval: 1, capabilities: { maximumUserProperties: 1 } });
    const metrics = createBrokerMetrics(tb.broker);
    try {
      const c = await rawSession(tb.port, 5, 'rep');
      for (let i = 1; i <= 2; i++) assert.equal(await publishQoS1(c, 'rep', 'x', i, { properties: { userProperties: userProperties(2) } }), 0x97);
      const text = await metrics.registry.metrics();
      assert.match(text, /^swiftlet_limits_reached_total\{limit="maximumUserProperties"\} 2$/m);
      assert.match(text, /^swiftlet_limits_reached_total\{limit="maximumQueuedBytes"\} 0$/m);
      assert.equal(tb.broker.stats.limitsReachedTotal, 2);
      c.send(subscribePacket(3, [{ topic: '$SYS/broker/limits/reached', qos: 0 }]));
      await c.expect(PacketType.SUBACK);
      // The retained value may be older than the refusals: wait for a publication that counts them.
      for (;;) {
        const sys = await c.expect(PacketType.PUBLISH, 5000);
        if (sys.payload.toString() === '2') break;
        assert.equal(sys.payload.toString(), '0');
      }
      c.destroy();
    } finally {
      metrics.stop();
      await tb.close();
    }
  });
});
