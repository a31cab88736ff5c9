// $SYS topics: published every sysInterval, plausible values, invisible to wildcards at the first level, read-only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { SYS_TOPICS } from '../../src/sys/sys-publisher.js';
import { collect, connectClient, delay, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { pingRoundTrip, publishQoS1, rawSession, subackCodes } from '../helpers/raw-session.js';

test('sysInterval 1: a $SYS/# subscriber (MQTT.js 5) receives every documented topic with plausible values', async () => {
  const tb = await startBroker({ sysInterval: 1 });
  try {
    const m = await connectClient(tb.port, { protocolVersion: 5, clientId: 'sys-watch' });
    const other = await rawSession(tb.port, 5, 'sys-other');
    const got = collect(m);
    await m.subscribeAsync('$SYS/#', { qos: 0 });
    const latest = (topic: string): string | undefined => {
      for (let i = got.length - 1; i >= 0; i--) if (got[i]!.topic === topic) return got[i]!.payload.toString();
      return undefined;
    };
    // The next interval publishes with both clients counted.
    await waitFor(() => latest('$SYS/broker/clients/connected') === '2', 3000, 'clients/connected = 2');
    await waitFor(() => SYS_TOPICS.every((t) => latest(t.topic) !== undefined), 3000, 'every $SYS topic');
    assert.deepEqual(new Set(got.map((x) => x.topic)), new Set(SYS_TOPICS.map((t) => t.topic)));
    assert.match(latest('$SYS/broker/version')!, /^swiftlet \d+\.\d+\.\d+/);
    for (const t of SYS_TOPICS) {
      if (t.topic === '$SYS/broker/version') continue;
      const v = Number(latest(t.topic));
      assert.ok(Number.isInteger(v) && v >= 0, `${t.topic} = ${latest(t.topic)}`);
    }
    assert.ok(Math.abs(Number(latest('$SYS/broker/time')) - Date.now()) < 60_000);
    assert.ok(Number(latest('$SYS/broker/clients/total')) >= 2);
    assert.ok(Number(latest('$SYS/broker/clients/maximum')) >= 2);
    assert.ok(Number(latest('$SYS/broker/subscriptions/count')) >= 1);
    assert.ok(Number(latest('$SYS/broker/sessions/count')) >= 2);
    assert.ok(Number(latest('$SYS/broker/system/memory/rss')) > 0);
    other.destroy();
    await endClient(m);
  } finally {
    await tb.close();
  }
});

test('# and +/... subscriptions do not receive $SYS topics [MQTT-4.7.2-1]', async () => {
  const tb = await startBroker({ sysInterval: 1 });
  try {
    const all = await rawSession(tb.port, 5, 'sys-hash', { subscribe: ['#', '+/broker/#', '+/broker/version'] });
    tb.broker.publishSys();
    tb.broker.publish('normal/topic', 'x');
    const p = await all.expect(PacketType.PUBLISH);
    assert.equal(p.topic, 'normal/topic');
    await pingRoundTrip(all);
    assert.equal(all.received.filter((x) => x.type === PacketType.PUBLISH).length, 0);
    all.destroy();
  } finally {
    await tb.close();
  }
});

test('clients cannot publish to $SYS: 5.0 PUBACK 0x87, the value is not replaced', async () => {
  const tb = await startBroker({ sysInterval: 1 });
  try {
    const c = await rawSession(tb.port, 5, 'sys-forger');
    const watcher = await rawSession(tb.port, 5, 'sys-w');
    await subackCodes(watcher, 1, ['$SYS/broker/version']);
    await watcher.expect(PacketType.PUBLISH); // the retained value
    assert.equal(await publishQoS1(c, '$SYS/broker/version', 'forged', 1, { retain: true }), 0x87);
    await pingRoundTrip(watcher);
    assert.equal(watcher.received.filter((x) => x.type === PacketType.PUBLISH).length, 0);
    assert.match(tb.broker.retained('$SYS/broker/version')[0]!.payload.toString(), /^swiftlet /);
    c.destroy();
    watcher.destroy();
  } finally {
    await tb.close();
  }
});

test('sysInterval 0: nothing is published on $SYS', async () => {
  const tb = await startBroker({ sysInterval: 0 });
  try {
    const c = await rawSession(tb.port, 5, 'sys-off', { subscribe: ['$SYS/#'] });
    await delay(300);
    await pingRoundTrip(c);
    assert.equal(c.received.filter((x) => x.type === PacketType.PUBLISH).length, 0);
    assert.deepEqual(tb.broker.retained('$SYS/#'), []);
    c.destroy();
  } finally {
    await tb.close();
  }
});
