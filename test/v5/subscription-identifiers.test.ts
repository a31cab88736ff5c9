// Subscription identifiers: stored per subscription, all matching ones sent in one PUBLISH; can be turned off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { startBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { expectDisconnect, pingRoundTrip, rawSession, receivePublishes, subackCodes } from '../helpers/raw-session.js';

test('overlapping subscriptions with ids 1 and 2: one PUBLISH carrying both [MQTT-3.3.4-3] [MQTT-3.3.4-4]', async () => {
  const tb = await startBroker();
  try {
    const s = await rawSession(tb.port, 5, 'sid-both');
    assert.deepEqual(await subackCodes(s, 1, [{ topic: 'a/+', qos: 1 }], { subscriptionIdentifiers: [1] }), [1]);
    assert.deepEqual(await subackCodes(s, 2, [{ topic: 'a/#', qos: 1 }], { subscriptionIdentifiers: [2] }), [1]);
    tb.broker.publish('a/b', 'x', { qos: 1 });
    const [m] = await receivePublishes(s, 1);
    assert.deepEqual([...m!.properties.subscriptionIdentifiers!].sort(), [1, 2]);
    s.send({ type: PacketType.PUBACK, packetId: m!.packetId, reasonCode: 0, properties: {} });
    // Exactly one copy: nothing else arrives before the PINGRESP.
    await pingRoundTrip(s);
    assert.equal(s.received.filter((p) => p.type === PacketType.PUBLISH).length, 0);
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('only the subscriptions that match contribute their id; a subscription without one adds none [MQTT-3.3.4-3]', async () => {
  const tb = await startBroker();
  try {
    const s = await rawSession(tb.port, 5, 'sid-some');
    await subackCodes(s, 1, ['x/1'], { subscriptionIdentifiers: [7] });
    await subackCodes(s, 2, ['x/+'], { subscriptionIdentifiers: [300_000] });
    await subackCodes(s, 3, ['x/#']);
    tb.broker.publish('x/1', 'a');
    tb.broker.publish('x/2', 'b');
    tb.broker.publish('x/2/3', 'c');
    const got = await receivePublishes(s, 3);
    assert.deepEqual(
      got.map((m) => [m.topic, m.properties.subscriptionIdentifiers === undefined ? undefined : [...m.properties.subscriptionIdentifiers].sort((p, q) => p - q)]),
      [['x/1', [7, 300_000]], ['x/2', [300_000]], ['x/2/3', undefined]],
    );
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('resubscribing replaces the identifier of that subscription [MQTT-3.8.4-3]', async () => {
  const tb = await startBroker();
  try {
    const s = await rawSession(tb.port, 5, 'sid-replace');
    await subackCodes(s, 1, ['r/t'], { subscriptionIdentifiers: [5] });
    await subackCodes(s, 2, ['r/t'], { subscriptionIdentifiers: [6] });
    tb.broker.publish('r/t', 'x');
    const [m] = await receivePublishes(s, 1);
    assert.deepEqual(m!.properties.subscriptionIdentifiers, [6]);
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('retained messages sent at subscribe time carry the identifier', async () => {
  const tb = await startBroker();
  try {
    tb.broker.publish('ret/t', 'kept', { retain: true });
    const s = await rawSession(tb.port, 5, 'sid-ret');
    await subackCodes(s, 1, ['ret/#'], { subscriptionIdentifiers: [42] });
    const [m] = await receivePublishes(s, 1);
    assert.equal(m!.retain, true);
    assert.deepEqual(m!.properties.subscriptionIdentifiers, [42]);
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('subscriptionIdentifierAvailable false: CONNACK says 0, and a SUBSCRIBE with one → DISCONNECT 0xA1', async () => {
  const tb = await startBroker({ capabilities: { subscriptionIdentifierAvailable: false } });
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('sid-off');
    assert.equal(ack.properties.subscriptionIdentifiersAvailable, 0);
    assert.deepEqual(await subackCodes(c, 1, ['plain/t']), [2]);
    c.send({ type: PacketType.SUBSCRIBE, packetId: 2, subscriptions: [{ topic: 'y', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }], properties: { subscriptionIdentifiers: [1] } });
    assert.equal(await expectDisconnect(c), 0xa1);
  } finally {
    await tb.close();
  }
});

test('subscription identifiers are not sent to 3.1.1 subscribers nor forwarded from a publisher', async () => {
  const tb = await startBroker();
  try {
    const v5 = await rawSession(tb.port, 5, 'sid-v5');
    await subackCodes(v5, 1, ['f/t'], { subscriptionIdentifiers: [9] });
    const v4 = await rawSession(tb.port, 4, 'sid-v4', { subscribe: ['f/t'] });
    tb.broker.publish('f/t', 'z');
    const [a] = await receivePublishes(v5, 1);
    const [b] = await receivePublishes(v4, 1);
    assert.deepEqual(a!.properties.subscriptionIdentifiers, [9]);
    assert.equal(b!.properties.subscriptionIdentifiers, undefined);
    v5.destroy();
    v4.destroy();
  } finally {
    await tb.close();
  }
});
