// Topic names and filters: validation, wildcard matching with empty levels, `$` topics, $SYS protection.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, ReasonCode } from '../../src/index.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import type { RawClient } from '../helpers/raw-client.js';
import { publishPacket, subscribePacket, unsubscribePacket } from '../helpers/packets.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

describe('topics', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ sysInterval: 0 });
  });
  after(async () => {
    await tb.close();
  });

  /** Which of `topics` a subscriber with `filter` receives (publishing each once, in order). */
  async function matched(c: RawClient, pub: RawClient, topics: string[]): Promise<string[]> {
    for (const t of topics) pub.send(publishPacket(t, t, 0));
    // A marker the subscriber always gets, so everything published before it has been routed.
    pub.send(publishPacket('marker/end', 'end', 0));
    const got: string[] = [];
    for (;;) {
      const [p] = await receivePublishes(c, 1);
      if (p!.topic === 'marker/end') return got;
      got.push(p!.topic);
    }
  }

  for (const version of [4, 5] as const) {
    const closes = version === 5 ? 'DISCONNECT 0x82' : 'close';
    const ids = version === 5 ? '[MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.13.1-1]' : '[MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.8.0-1]';
    /**
     * Sends one SUBSCRIBE or UNSUBSCRIBE with a valid filter and then `filter`, and checks the connection ends as a
     * protocol error with neither filter applied (the session is kept, so its subscriptions can be read afterwards).
     */
    async function expectClosedBy(kind: 'subscribe' | 'unsubscribe', filter: string, n: number): Promise<void> {
      const id = `badfilter-${kind}-${version}-${n}`;
      const keep = version === 5 ? { clean: true, properties: { sessionExpiryInterval: 60 } } : { clean: false };
      const c = await rawSession(tb.port, version, id, { subscribe: kind === 'unsubscribe' ? [{ topic: 'ok/first', qos: 1 }] : [], connect: keep });
      c.send(kind === 'subscribe' ? subscribePacket(5, [{ topic: 'ok/first', qos: 1 }, { topic: filter, qos: 1 }]) : unsubscribePacket(5, ['ok/first', filter]));
      if (version === 5) {
        const d = await c.expect(PacketType.DISCONNECT, 1000);
        assert.equal(d.reasonCode, ReasonCode.PROTOCOL_ERROR, `${kind} ${filter}`);
      } else {
        assert.equal(await c.next(1000), undefined, `${kind} ${filter}: a 3.1.1 client got a packet (no SUBACK/UNSUBACK is due)`);
      }
      await c.waitClosed(1000);
      await waitFor(() => tb.broker.client(id)?.connected === false, 1000, 'session offline');
      // SUBSCRIBE added nothing; UNSUBSCRIBE removed nothing.
      const expected = kind === 'subscribe' ? [] : ['ok/first'];
      assert.deepEqual(tb.broker.client(id)?.subscriptions.map((s) => s.filter), expected, `${kind} ${filter}`);
    }

    test(`v${version}: a SUBSCRIBE with a filter against section 4.7.1 → ${closes}, no SUBACK ${ids}`, async () => {
      const bad = ['a/#/b', 'a/b#', 'a+', '+a/b', 'a/+b', '#/a', '$share/g+/x', '$share/g/a#'];
      for (const [i, filter] of bad.entries()) await expectClosedBy('subscribe', filter, i);
    });

    test(`v${version}: an UNSUBSCRIBE with a filter against section 4.7.1 → ${closes}, no UNSUBACK ${ids}`, async () => {
      for (const [i, filter] of ['#/a', 'a+'].entries()) await expectClosedBy('unsubscribe', filter, i);
    });

    if (version === 5) {
      test('v5: a shared filter without a share name or filter → DISCONNECT 0x82 (SUBSCRIBE and UNSUBSCRIBE) [MQTT-4.8.2-1] [MQTT-4.8.2-2]', async () => {
        const bad = ['$share/', '$share/g', '$share//a', '$share/g/', '$share/#/a'];
        for (const [i, filter] of bad.entries()) await expectClosedBy('subscribe', filter, 100 + i);
        await expectClosedBy('unsubscribe', '$share//a', 200);
      });
    } else {
      test('v4: `$share/` filters are plain 3.1.1 filters; without a share name or filter they get SUBACK 0x80 [MQTT-3.9.3-2]', async () => {
        const c = await rawSession(tb.port, version, 'share-syntax-4');
        c.send(subscribePacket(5, ['$share/', '$share/g', '$share//a', '$share/ok/x'].map((topic) => ({ topic, qos: 1 as const }))));
        const ack = await c.expect(PacketType.SUBACK);
        assert.deepEqual(ack.reasonCodes, [0x80, 0x80, 0x80, 1]);
        c.send(unsubscribePacket(6, ['$share//a']));
        assert.equal((await c.expect(PacketType.UNSUBACK)).packetId, 6);
        c.destroy();
      });
    }

    test(`v${version}: well-formed filters, wildcards included, are granted [MQTT-3.9.3-1]`, async () => {
      const c = await rawSession(tb.port, version, `goodfilter-${version}`);
      const filters = ['ok/+/x', 'ok/#', '+', '#', '/', '+/+', 'a//b', '$share/g/+/x'];
      c.send(subscribePacket(5, filters.map((topic) => ({ topic, qos: 1 as const }))));
      const ack = await c.expect(PacketType.SUBACK);
      assert.deepEqual(ack.reasonCodes, filters.map(() => 1));
      c.destroy();
    });

    test(`v${version}: + matches exactly one level, including empty levels [MQTT-4.7.1-3] (3.1.1) [MQTT-4.7.1-2] (5.0)`, async () => {
      const c = await rawSession(tb.port, version, `plus-${version}`, { subscribe: [{ topic: 'p/+/c', qos: 0 }, { topic: '+/x', qos: 0 }, { topic: 'marker/end', qos: 0 }] });
      const pub = await rawSession(tb.port, version, `plus-pub-${version}`);
      const got = await matched(c, pub, ['p/b/c', 'p//c', 'p/b/c/d', 'p/c', '/x', 'y/x', 'y/x/z', 'x']);
      assert.deepEqual(got, ['p/b/c', 'p//c', '/x', 'y/x']);
      c.destroy();
      pub.destroy();
    });

    test(`v${version}: # matches the parent level and every level below, including empty ones [MQTT-4.7.1-2] (3.1.1) [MQTT-4.7.1-1] (5.0)`, async () => {
      const c = await rawSession(tb.port, version, `hash-${version}`, { subscribe: [{ topic: 'h/#', qos: 0 }, { topic: 'marker/end', qos: 0 }] });
      const pub = await rawSession(tb.port, version, `hash-pub-${version}`);
      const got = await matched(c, pub, ['h', 'h/', 'h/a', 'h/a/b', 'h//', 'hx', 'x/h']);
      assert.deepEqual(got, ['h', 'h/', 'h/a', 'h/a/b', 'h//']);
      c.destroy();
      pub.destroy();
    });

    test(`v${version}: matching is exact: case-sensitive, no normalisation of slashes [MQTT-4.7.3-4]`, async () => {
      const c = await rawSession(tb.port, version, `exact-${version}`, { subscribe: [{ topic: 'Ex/a', qos: 0 }, { topic: 'marker/end', qos: 0 }] });
      const pub = await rawSession(tb.port, version, `exact-pub-${version}`);
      const got = await matched(c, pub, ['Ex/a', 'ex/a', 'EX/A', 'Ex/a/', '/Ex/a', 'Ex//a', 'Ex/a ']);
      assert.deepEqual(got, ['Ex/a']);
      c.destroy();
      pub.destroy();
    });

    test(`v${version}: filters starting with a wildcard do not match topics starting with $ [MQTT-4.7.2-1]`, async () => {
      const wild = await rawSession(tb.port, version, `dollar-w-${version}`, { subscribe: [{ topic: '#', qos: 0 }] });
      const plus = await rawSession(tb.port, version, `dollar-p-${version}`, { subscribe: [{ topic: '+/info', qos: 0 }, { topic: 'marker/end', qos: 0 }] });
      const explicit = await rawSession(tb.port, version, `dollar-e-${version}`, { subscribe: [{ topic: '$app/#', qos: 0 }, { topic: 'marker/end', qos: 0 }] });
      const pub = await rawSession(tb.port, version, `dollar-pub-${version}`);
      const gotPlus = await matched(plus, pub, ['$app/info', 'app/info']);
      assert.deepEqual(gotPlus, ['app/info']);
      const gotExplicit = await matched(explicit, pub, ['$app/info']);
      assert.deepEqual(gotExplicit, ['$app/info']);
      // '#' gets app/info and marker/end twice, but never $app/info.
      const all = await receivePublishes(wild, 3);
      assert.ok(all.every((p) => !p.topic.startsWith('$')), JSON.stringify(all.map((p) => p.topic)));
      assert.equal(await wild.quiet(150), true);
      for (const c of [wild, plus, explicit, pub]) c.destroy();
    });
  }

  test('v5: a client publishing to $SYS/... gets PUBACK 0x87 and nothing is delivered', async () => {
    const watcher = await rawSession(tb.port, 5, 'sys-watch', { subscribe: [{ topic: '$SYS/test/#', qos: 1 }] });
    const c = await rawSession(tb.port, 5, 'sys-pub-5');
    c.send(publishPacket('$SYS/test/fake', 'spoof', 1, 8));
    const ack = await c.expect(PacketType.PUBACK);
    assert.equal(ack.packetId, 8);
    assert.equal(ack.reasonCode, ReasonCode.NOT_AUTHORIZED);
    assert.equal(await watcher.quiet(200), true, '$SYS publish was delivered');
    watcher.destroy();
    c.destroy();
  });

  test('v4: a client publishing to $SYS/... is acknowledged but not delivered [MQTT-3.3.5-2]', async () => {
    const watcher = await rawSession(tb.port, 4, 'sys-watch-4', { subscribe: [{ topic: '$SYS/test/#', qos: 1 }] });
    const c = await rawSession(tb.port, 4, 'sys-pub-4');
    c.send(publishPacket('$SYS/test/fake', 'spoof', 1, 8));
    const ack = await c.expect(PacketType.PUBACK);
    assert.equal(ack.packetId, 8);
    assert.equal(await watcher.quiet(200), true, '$SYS publish was delivered');
    assert.equal(c.isClosed, false);
    watcher.destroy();
    c.destroy();
  });
});
