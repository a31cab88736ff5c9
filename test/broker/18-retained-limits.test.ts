// maximumRetainedMessages and maximumRetainedBytes: a retained message past either is refused. A 5.0 QoS 1/2 publisher
// gets 0x97 (Quota exceeded) and the message goes nowhere; QoS 0 and 3.1.1 messages still reach subscribers but are not
// retained. Every refusal logs a warning and counts in stats.retainedRefused. $SYS topics never count.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import type { BrokerLogger } from '../../src/index.js';
import { createBrokerMetrics } from '../../src/http/metrics.js';
import { connectClient, endClient, startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import type { RawClient } from '../helpers/raw-client.js';
import { publishPacket } from '../helpers/packets.js';
import { publishesBeforePong, publishQoS1, rawSession } from '../helpers/raw-session.js';

interface Warning {
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function capturingLogger(warnings: Warning[]): BrokerLogger {
  return { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) };
}

/** Makes sure every packet `pub` sent was handled (a PINGREQ round trip). */
async function settled(pub: RawClient): Promise<void> {
  pub.send({ type: PacketType.PINGREQ });
  await pub.expect(PacketType.PINGRESP);
}

function retainedTopics(tb: TestBroker, filter: string): string[] {
  return tb.broker.retained(filter).map((r) => `${r.topic}=${r.payload.toString()}`).sort();
}

describe('maximumRetainedMessages', () => {
  test('a new retained topic past the limit: 5.0 QoS 1/2 get 0x97 and it goes nowhere; QoS 0 and 3.1.1 are delivered, not retained', async () => {
    const warnings: Warning[] = [];
    // $SYS on: its ~20 retained topics are the broker's own and never count against the limit.
    const tb = await startBroker({ sysInterval: 10, logger: capturingLogger(warnings), capabilities: { maximumRetainedMessages: 2 } });
    try {
      assert.ok(tb.broker.stats.retainedMessages! > 2, '$SYS topics are retained');
      const sub = await rawSession(tb.port, 5, 'lim-sub', { subscribe: [{ topic: 'lim/#', qos: 2 }] });
      const pub = await rawSession(tb.port, 5, 'lim-pub');
      assert.equal(await publishQoS1(pub, 'lim/a', 'a1', 1, { retain: true }), 0);
      assert.equal(await publishQoS1(pub, 'lim/b', 'b1', 2, { retain: true }), 0);
      assert.equal((await publishesBeforePong(sub)).length, 2);

      // 5.0 QoS 1 and QoS 2: refused with 0x97, not routed, not retained.
      assert.equal(await publishQoS1(pub, 'lim/c', 'c1', 3, { retain: true }), 0x97);
      pub.send(publishPacket('lim/c', 'c2', 2, 4, { retain: true }));
      const pubrec = await pub.expect(PacketType.PUBREC);
      assert.deepEqual([pubrec.packetId, pubrec.reasonCode], [4, 0x97]);
      assert.deepEqual(await publishesBeforePong(sub), [], 'a refused message reached a subscriber');
      assert.equal(tb.broker.stats.retainedRefused, 2);
      const refusal = warnings.find((w) => w.obj.topic === 'lim/c');
      assert.ok(refusal !== undefined, 'no warning for the refused message');
      assert.equal(refusal.obj.limit, 'maximumRetainedMessages');
      assert.equal(refusal.obj.client, 'lim-pub');
      assert.match(refusal.msg ?? '', /retained message limit reached: publish refused with 0x97/);

      // 5.0 QoS 0: nobody can be told, so it is routed but not retained.
      pub.send(publishPacket('lim/c', 'c3', 0, 0, { retain: true }));
      await settled(pub);
      assert.deepEqual((await publishesBeforePong(sub)).map((p) => p.payload.toString()), ['c3']);
      // 3.1.1 QoS 1: acknowledged as usual (3.1.1 has no reason code), routed, not retained.
      const v4 = await rawSession(tb.port, 4, 'lim-pub-v4');
      assert.equal(await publishQoS1(v4, 'lim/c', 'c4', 1, { retain: true }), 0);
      assert.deepEqual((await publishesBeforePong(sub)).map((p) => p.payload.toString()), ['c4']);
      assert.equal(tb.broker.stats.retainedRefused, 4);
      assert.match(warnings.at(-1)!.msg ?? '', /routed, not retained/);
      assert.deepEqual(retainedTopics(tb, 'lim/#'), ['lim/a=a1', 'lim/b=b1']);

      // Replacing a stored topic is always allowed; clearing one makes room.
      assert.equal(await publishQoS1(pub, 'lim/a', 'a2', 5, { retain: true }), 0);
      assert.equal(await publishQoS1(pub, 'lim/b', '', 6, { retain: true }), 0);
      assert.equal(await publishQoS1(pub, 'lim/c', 'c5', 7, { retain: true }), 0);
      assert.deepEqual(retainedTopics(tb, 'lim/#'), ['lim/a=a2', 'lim/c=c5']);
      for (const c of [sub, pub, v4]) c.destroy();
    } finally {
      await tb.close();
    }
  });

  test('MQTT.js sees the refusal as a publish error with reason code 0x97', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { maximumRetainedMessages: 1 } });
    try {
      const client = await connectClient(tb.port, { protocolVersion: 5, clientId: 'lim-mqttjs' });
      await client.publishAsync('js/a', 'a', { qos: 1, retain: true });
      await assert.rejects(client.publishAsync('js/b', 'b', { qos: 1, retain: true }), (err: { code?: number }) => err.code === 0x97);
      await assert.rejects(client.publishAsync('js/b', 'b', { qos: 2, retain: true }), (err: { code?: number }) => err.code === 0x97);
      assert.deepEqual(retainedTopics(tb, 'js/#'), ['js/a=a']);
      await endClient(client);
    } finally {
      await tb.close();
    }
  });
});

describe('maximumRetainedBytes', () => {
  test('counts stored payload bytes: new and growing messages past it are refused, the replaced message stays', async () => {
    const warnings: Warning[] = [];
    const tb = await startBroker({ sysInterval: 10, logger: capturingLogger(warnings), capabilities: { maximumRetainedBytes: 10 } });
    try {
      const pub = await rawSession(tb.port, 5, 'bytes-pub');
      assert.equal(await publishQoS1(pub, 'b/a', 'aaaaaa', 1, { retain: true }), 0); // 6
      assert.equal(await publishQoS1(pub, 'b/b', 'bbbbb', 2, { retain: true }), 0x97); // 6 + 5 > 10
      assert.equal(warnings.at(-1)!.obj.limit, 'maximumRetainedBytes');
      assert.equal(await publishQoS1(pub, 'b/b', 'bbbb', 3, { retain: true }), 0); // 6 + 4 = 10
      assert.equal(await publishQoS1(pub, 'b/a', 'aaaaaaa', 4, { retain: true }), 0x97); // 7 + 4 > 10
      assert.deepEqual(retainedTopics(tb, 'b/#'), ['b/a=aaaaaa', 'b/b=bbbb'], 'the refused replacement left the old message');
      assert.equal(await publishQoS1(pub, 'b/a', 'aa', 5, { retain: true }), 0); // 2 + 4
      const clientBytes = tb.broker.retained('b/#').reduce((n, r) => n + r.payload.length, 0);
      assert.equal(clientBytes, 6);

      // The inline API cannot be told either: the message is delivered, not retained.
      const got: string[] = [];
      const sub = tb.broker.subscribe('b/#', (m) => got.push(m.payload.toString()), { retained: false });
      assert.equal(tb.broker.publish('b/c', 'ccccc', { retain: true }), 1);
      sub.unsubscribe();
      assert.deepEqual(got, ['ccccc']);
      assert.equal(tb.broker.retainedMessage('b/c'), undefined);
      assert.equal(tb.broker.stats.retainedRefused, 3);
      const metrics = createBrokerMetrics(tb.broker);
      assert.match(await metrics.registry.getSingleMetricAsString('swiftlet_retained_refused_total'), /^swiftlet_retained_refused_total 3$/m);
      metrics.stop();
      pub.destroy();
    } finally {
      await tb.close();
    }
  });
});
