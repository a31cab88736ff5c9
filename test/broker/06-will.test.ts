// Will messages: abnormal close, keep-alive timeout, normal DISCONNECT, 5.0 DISCONNECT 0x04, Will Delay Interval.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, ReasonCode } from '../../src/index.js';
import type { ProtocolVersion, QoS, Will } from '../../src/index.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

function will(topic: string, payload: string, qos: QoS = 1, retain = false, willDelayInterval?: number): Will {
  return { topic, payload: Buffer.from(payload), qos, retain, properties: willDelayInterval === undefined ? {} : { willDelayInterval } };
}

// Tests use distinct client ids and topics, so they run concurrently (most of them wait on timers).
describe('will', { concurrency: true }, () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.close();
  });

  async function watcher(version: ProtocolVersion, topic: string): Promise<RawClient> {
    return rawSession(tb.port, version, `watch-${topic.replace(/\//g, '-')}`, { subscribe: [{ topic, qos: 2 }] });
  }

  for (const version of [3, 4, 5] as const) {
    test(`v${version}: the will is published with its QoS and retain flag when the socket is destroyed [MQTT-3.1.2-8]`, async () => {
      const topic = `will/abrupt/${version}`;
      const w = await watcher(version, topic);
      const c = await rawSession(tb.port, version, `will-abrupt-${version}`, { connect: { will: will(topic, 'gone', 1, true) } });
      c.destroy();
      const [m] = await receivePublishes(w, 1);
      assert.equal(m!.topic, topic);
      assert.equal(m!.payload.toString(), 'gone');
      assert.equal(m!.qos, 1);
      // Kept as retained [MQTT-3.3.1-5]; live delivery to an existing subscription has RETAIN=0 (3.1.1) / no RAP (5.0).
      assert.equal(m!.retain, false);
      assert.deepEqual(tb.broker.retained(topic).map((r) => r.payload.toString()), ['gone']);
      w.destroy();
    });

    test(`v${version}: a normal DISCONNECT discards the will [MQTT-3.1.2-10] [MQTT-3.14.4-3]`, async () => {
      const topic = `will/normal/${version}`;
      const w = await watcher(version, topic);
      const c = await rawSession(tb.port, version, `will-normal-${version}`, { connect: { will: will(topic, 'never') } });
      c.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: {} });
      await c.waitClosed();
      assert.equal(await w.quiet(300), true, 'will published after a normal DISCONNECT');
      w.destroy();
    });
  }

  for (const version of [4, 5] as const) {
    test(`v${version}: the will is published on keep-alive timeout [MQTT-3.1.2-8] [MQTT-3.1.2-24] (3.1.1) [MQTT-3.1.2-22] (5.0)`, async () => {
      const topic = `will/keepalive/${version}`;
      const w = await watcher(version, topic);
      const c = await rawSession(tb.port, version, `will-ka-${version}`, { connect: { keepAlive: 1, will: will(topic, 'timed out', 0) } });
      const [m] = await receivePublishes(w, 1, 4000);
      assert.equal(m!.payload.toString(), 'timed out');
      assert.equal(m!.qos, 0);
      await c.waitClosed(1000);
      w.destroy();
    });
  }

  test('v5: DISCONNECT with 0x04 publishes the will [MQTT-3.14.4-3]', async () => {
    const topic = 'will/0x04';
    const w = await watcher(5, topic);
    const c = await rawSession(tb.port, 5, 'will-04', { connect: { will: will(topic, 'asked for it', 2) } });
    c.send({ type: PacketType.DISCONNECT, reasonCode: ReasonCode.DISCONNECT_WITH_WILL_MESSAGE, properties: {} });
    const [m] = await receivePublishes(w, 1);
    assert.equal(m!.payload.toString(), 'asked for it');
    assert.equal(m!.qos, 2);
    w.destroy();
  });

  test('v5: will properties are forwarded with the will message', async () => {
    const topic = 'will/props';
    const w = await watcher(5, topic);
    const wm: Will = { topic, payload: Buffer.from('p'), qos: 1, retain: false, properties: { contentType: 'text/plain', userProperties: [['k', 'v']] } };
    const c = await rawSession(tb.port, 5, 'will-props', { connect: { will: wm } });
    c.destroy();
    const [m] = await receivePublishes(w, 1);
    assert.equal(m!.properties.contentType, 'text/plain');
    assert.deepEqual(m!.properties.userProperties, [['k', 'v']]);
    w.destroy();
  });

  test('v5: Will Delay Interval delays the will [MQTT-3.1.2-8]', async () => {
    const topic = 'will/delay';
    const w = await watcher(5, topic);
    const c = await rawSession(tb.port, 5, 'will-delay', { connect: { clean: true, properties: { sessionExpiryInterval: 60 }, will: will(topic, 'late', 1, false, 1) } });
    c.destroy();
    assert.equal(await w.quiet(400), true, 'will published before its delay');
    const [m] = await receivePublishes(w, 1, 3000);
    assert.equal(m!.payload.toString(), 'late');
    // Will Delay Interval is a Will Property only: a PUBLISH carrying it would be malformed.
    assert.equal(m!.properties.willDelayInterval, undefined);
    assert.equal(w.parseError, undefined);
    w.destroy();
  });

  test('v5: reconnecting within the Will Delay Interval cancels the will [MQTT-3.1.3-9]', async () => {
    const topic = 'will/cancel';
    const w = await watcher(5, topic);
    const c = await rawSession(tb.port, 5, 'will-cancel', { connect: { clean: true, properties: { sessionExpiryInterval: 60 }, will: will(topic, 'cancelled', 1, false, 1) } });
    c.destroy();
    await c.waitClosed();
    await waitFor(() => tb.broker.client('will-cancel')?.connected === false, 2000, 'offline');
    const again = await RawClient.connect(tb.port, 5);
    const ack = await again.handshake('will-cancel', { clean: false, properties: { sessionExpiryInterval: 60 } });
    assert.equal(ack.sessionPresent, true);
    assert.equal(await w.quiet(1600), true, 'will published after reconnecting in time');
    again.destroy();
    w.destroy();
  });

  test('v5: a delayed will is published when the session ends first [MQTT-3.1.2-8]', async () => {
    const topic = 'will/session-ends';
    const w = await watcher(5, topic);
    // Delay 60 s, session expiry 0: the will goes when the session ends, at close.
    const c = await rawSession(tb.port, 5, 'will-sess', { connect: { properties: { sessionExpiryInterval: 0 }, will: will(topic, 'session over', 1, false, 60) } });
    c.destroy();
    const [m] = await receivePublishes(w, 1, 2000);
    assert.equal(m!.payload.toString(), 'session over');
    w.destroy();
  });
});
