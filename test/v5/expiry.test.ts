// Session Expiry, Will Delay Interval and Message Expiry Interval: the broker runs on a clock the tests advance,
// with a fast sweep, so nothing waits on the wall clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import type { Will } from '../../src/index.js';
import { delay, startBroker, waitFor } from '../helpers/broker.js';
import { ManualClock } from '../helpers/clock.js';
import { RawClient } from '../helpers/raw-client.js';
import { expectDisconnect, pingRoundTrip, rawSession, receivePublishes } from '../helpers/raw-session.js';

function will(topic: string, payload: string, willDelayInterval: number): Will {
  return { topic, payload: Buffer.from(payload), qos: 1, retain: false, properties: { willDelayInterval } };
}

test('Session Expiry 0xFFFFFFFF never expires and is not capped; the session survives sweeps [MQTT-3.1.2-23]', async () => {
  const clock = new ManualClock();
  const tb = await startBroker({ sweepInterval: 20, clock: clock.now });
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('se-never', { clean: false, properties: { sessionExpiryInterval: 0xffffffff } });
    assert.equal(ack.properties.sessionExpiryInterval, undefined);
    c.destroy();
    await waitFor(() => tb.broker.client('se-never')?.connected === false, 2000, 'offline');
    // A hundred years on the broker's clock, then a few sweeps (20 ms each): still there.
    clock.advance(100 * 365 * 86_400_000);
    await delay(150);
    assert.equal(tb.broker.client('se-never')?.sessionExpiryInterval, 0xffffffff);
    const again = await RawClient.connect(tb.port, 5);
    assert.equal((await again.handshake('se-never', { clean: false, properties: { sessionExpiryInterval: 0xffffffff } })).sessionPresent, true);
    again.destroy();
  } finally {
    await tb.close();
  }
});

test('a requested Session Expiry above maximumSessionExpiryInterval is capped and reported in CONNACK', async () => {
  const tb = await startBroker({ capabilities: { maximumSessionExpiryInterval: 10 } });
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('se-cap', { properties: { sessionExpiryInterval: 3600 } });
    assert.equal(ack.properties.sessionExpiryInterval, 10);
    assert.equal(tb.broker.client('se-cap')?.sessionExpiryInterval, 10);
    const d = await RawClient.connect(tb.port, 5);
    assert.equal((await d.handshake('se-under', { properties: { sessionExpiryInterval: 5 } })).properties.sessionExpiryInterval, undefined);
    c.destroy();
    d.destroy();
  } finally {
    await tb.close();
  }
});

test('expiry ends the session: subscriptions and queue are gone, a reconnect finds no session', async () => {
  const clock = new ManualClock();
  const tb = await startBroker({ sweepInterval: 20, clock: clock.now });
  try {
    const c = await rawSession(tb.port, 5, 'se-end', { subscribe: [{ topic: 'se/t', qos: 1 }], connect: { clean: false, properties: { sessionExpiryInterval: 1 } } });
    c.destroy();
    await waitFor(() => tb.broker.client('se-end')?.connected === false, 2000, 'offline');
    assert.equal(tb.broker.publish('se/t', 'queued', { qos: 1 }), 1);
    clock.advance(1000);
    await waitFor(() => tb.broker.client('se-end') === undefined, 3000, 'session expired');
    assert.equal(tb.broker.publish('se/t', 'nobody', { qos: 1 }), 0);
    const again = await RawClient.connect(tb.port, 5);
    const ack = await again.handshake('se-end', { clean: false, properties: { sessionExpiryInterval: 1 } });
    assert.equal(ack.sessionPresent, false);
    assert.equal(await again.quiet(150), true);
    again.destroy();
  } finally {
    await tb.close();
  }
});

test('DISCONNECT may change the Session Expiry Interval (60 → 0 ends the session at once)', async () => {
  const tb = await startBroker();
  try {
    const c = await rawSession(tb.port, 5, 'se-change', { connect: { properties: { sessionExpiryInterval: 60 } } });
    c.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await c.waitClosed();
    await waitFor(() => tb.broker.client('se-change') === undefined, 2000, 'session ended');
    const d = await rawSession(tb.port, 5, 'se-change2', { connect: { properties: { sessionExpiryInterval: 60 } } });
    d.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: { sessionExpiryInterval: 120 } });
    await d.waitClosed();
    await waitFor(() => tb.broker.client('se-change2')?.connected === false, 2000, 'offline');
    assert.equal(tb.broker.client('se-change2')?.sessionExpiryInterval, 120);
  } finally {
    await tb.close();
  }
});

test('DISCONNECT setting a non-zero Session Expiry after 0 at CONNECT → DISCONNECT 0x82 (5.0 §3.14.2.2.2)', async () => {
  const tb = await startBroker();
  try {
    const c = await rawSession(tb.port, 5, 'se-bad', { connect: { properties: { sessionExpiryInterval: 0 } } });
    c.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: { sessionExpiryInterval: 30 } });
    assert.equal(await expectDisconnect(c), 0x82);
  } finally {
    await tb.close();
  }
});

test('Will Delay Interval: the will is sent after the delay, not at the disconnect [MQTT-3.1.2-8]', async () => {
  const clock = new ManualClock();
  const tb = await startBroker({ sweepInterval: 20, clock: clock.now });
  try {
    const watcher = await rawSession(tb.port, 5, 'wd-watch', { subscribe: [{ topic: 'will/#', qos: 1 }] });
    const c = await rawSession(tb.port, 5, 'wd-1', { connect: { will: will('will/wd-1', 'gone', 1), properties: { sessionExpiryInterval: 30 } } });
    c.destroy();
    await waitFor(() => tb.broker.client('wd-1')?.connected === false, 2000, 'offline');
    clock.advance(999);
    assert.equal(await watcher.quiet(150), true, 'will sent before its delay');
    clock.advance(1);
    const [w] = await receivePublishes(watcher, 1, 3000);
    assert.equal(w!.payload.toString(), 'gone');
    watcher.destroy();
  } finally {
    await tb.close();
  }
});

test('Will Delay Interval: reconnecting in time cancels the will [MQTT-3.1.3-9]', async () => {
  const clock = new ManualClock();
  const tb = await startBroker({ sweepInterval: 20, clock: clock.now });
  try {
    const watcher = await rawSession(tb.port, 5, 'wc-watch', { subscribe: [{ topic: 'will/#', qos: 1 }] });
    const c = await rawSession(tb.port, 5, 'wc-1', { connect: { clean: false, will: will('will/wc-1', 'gone', 1), properties: { sessionExpiryInterval: 30 } } });
    c.destroy();
    await waitFor(() => tb.broker.client('wc-1')?.connected === false, 2000, 'offline');
    const back = await rawSession(tb.port, 5, 'wc-1', { connect: { clean: false, properties: { sessionExpiryInterval: 30 } } });
    clock.advance(5000);
    assert.equal(await watcher.quiet(150), true, 'will sent although the client came back');
    back.destroy();
    watcher.destroy();
  } finally {
    await tb.close();
  }
});

test('Will Delay Interval is capped by the session expiry: the will goes when the session ends [MQTT-3.1.2-8]', async () => {
  const clock = new ManualClock();
  const tb = await startBroker({ sweepInterval: 20, clock: clock.now });
  try {
    const watcher = await rawSession(tb.port, 5, 'wx-watch', { subscribe: [{ topic: 'will/#', qos: 1 }] });
    const c = await rawSession(tb.port, 5, 'wx-1', { connect: { will: will('will/wx-1', 'ended', 3600), properties: { sessionExpiryInterval: 1 } } });
    c.destroy();
    await waitFor(() => tb.broker.client('wx-1')?.connected === false, 2000, 'offline');
    assert.equal(await watcher.quiet(100), true, 'will sent before the session ended');
    clock.advance(1000);
    const [w] = await receivePublishes(watcher, 1, 2000);
    assert.equal(w!.payload.toString(), 'ended');
    await waitFor(() => tb.broker.client('wx-1') === undefined, 2000, 'session ended');
    watcher.destroy();
  } finally {
    await tb.close();
  }
});

test('Message Expiry: queued time is subtracted, and an expired message is not delivered [MQTT-3.3.2-5] [MQTT-3.3.2-6]', async () => {
  const clock = new ManualClock();
  const tb = await startBroker({ sweepInterval: 20, clock: clock.now });
  try {
    const opts = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const c = await rawSession(tb.port, 5, 'me-sub', { subscribe: [{ topic: 'me/t', qos: 1 }], connect: opts });
    c.destroy();
    await waitFor(() => tb.broker.client('me-sub')?.connected === false, 2000, 'offline');
    const p = await rawSession(tb.port, 5, 'me-pub');
    p.send({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 'me/t', packetId: 1, payload: Buffer.from('short'), properties: { messageExpiryInterval: 1 } });
    p.send({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 'me/t', packetId: 2, payload: Buffer.from('long'), properties: { messageExpiryInterval: 10 } });
    await p.expect(PacketType.PUBACK);
    await p.expect(PacketType.PUBACK);
    assert.equal(tb.broker.client('me-sub')?.queued, 2);
    clock.advance(2100);
    const back = await RawClient.connect(tb.port, 5);
    assert.equal((await back.handshake('me-sub', opts)).sessionPresent, true);
    const [m] = await receivePublishes(back, 1);
    assert.equal(m!.payload.toString(), 'long');
    const left = m!.properties.messageExpiryInterval!;
    assert.equal(left, 8, 'the 2.1 s spent queued are subtracted from 10 s, rounded up');
    await pingRoundTrip(back);
    assert.equal(back.received.filter((x) => x.type === PacketType.PUBLISH).length, 0, 'the expired message was delivered');
    assert.ok(tb.broker.client('me-sub')!.dropped >= 1);
    back.destroy();
    p.destroy();
  } finally {
    await tb.close();
  }
});
