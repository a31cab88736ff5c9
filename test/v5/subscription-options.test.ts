// Subscription options: No Local, Retain As Published, Retain Handling 0/1/2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { startBroker } from '../helpers/broker.js';
import { pingRoundTrip, publishQoS0, rawSession, receivePublishes, subackCodes } from '../helpers/raw-session.js';

test('No Local: a client does not get its own messages back, other subscribers do [MQTT-3.8.3-3]', async () => {
  const tb = await startBroker();
  try {
    const a = await rawSession(tb.port, 5, 'nl-a', { subscribe: [{ topic: 'nl/#', noLocal: true, qos: 0 }] });
    const b = await rawSession(tb.port, 5, 'nl-b', { subscribe: [{ topic: 'nl/#', noLocal: true, qos: 0 }] });
    await publishQoS0(a, 'nl/1', 'from-a');
    const [m] = await receivePublishes(b, 1);
    assert.equal(m!.payload.toString(), 'from-a');
    await pingRoundTrip(a);
    assert.equal(a.received.filter((p) => p.type === PacketType.PUBLISH).length, 0);
    // b publishes: a receives it (No Local only concerns the publisher's own connection).
    await publishQoS0(b, 'nl/2', 'from-b');
    const [n] = await receivePublishes(a, 1);
    assert.equal(n!.payload.toString(), 'from-b');
    a.destroy();
    b.destroy();
  } finally {
    await tb.close();
  }
});

test('No Local on one subscription does not hide a message matching another subscription without it', async () => {
  const tb = await startBroker();
  try {
    const a = await rawSession(tb.port, 5, 'nl-mix', { subscribe: [{ topic: 'mx/+', noLocal: true, qos: 0 }, { topic: 'mx/#', qos: 0 }] });
    await publishQoS0(a, 'mx/1', 'self');
    const [m] = await receivePublishes(a, 1);
    assert.equal(m!.payload.toString(), 'self');
    a.destroy();
  } finally {
    await tb.close();
  }
});

test('Retain As Published 0 clears the RETAIN flag on forwarding, 1 keeps it [MQTT-3.3.1-12] [MQTT-3.3.1-13]', async () => {
  const tb = await startBroker();
  try {
    const keep = await rawSession(tb.port, 5, 'rap-1', { subscribe: [{ topic: 'rap/t', retainAsPublished: true, qos: 0 }] });
    const clear = await rawSession(tb.port, 5, 'rap-0', { subscribe: [{ topic: 'rap/t', retainAsPublished: false, qos: 0 }] });
    const p = await rawSession(tb.port, 5, 'rap-pub');
    await publishQoS0(p, 'rap/t', 'r', { retain: true });
    const [k] = await receivePublishes(keep, 1);
    const [c] = await receivePublishes(clear, 1);
    assert.equal(k!.retain, true);
    assert.equal(c!.retain, false);
    for (const x of [keep, clear, p]) x.destroy();
  } finally {
    await tb.close();
  }
});

test('retained messages sent because of a subscription always have RETAIN set, whatever Retain As Published', async () => {
  const tb = await startBroker();
  try {
    tb.broker.publish('rs/t', 'kept', { retain: true });
    const s = await rawSession(tb.port, 5, 'rap-sub');
    await subackCodes(s, 1, [{ topic: 'rs/t', retainAsPublished: false }]);
    const [m] = await receivePublishes(s, 1);
    assert.equal(m!.retain, true);
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('Retain Handling 0: retained messages are sent on every subscribe, new or not [MQTT-3.3.1-9] [MQTT-3.8.4-4]', async () => {
  const tb = await startBroker();
  try {
    tb.broker.publish('rh0/t', 'kept', { retain: true });
    const s = await rawSession(tb.port, 5, 'rh0');
    await subackCodes(s, 1, [{ topic: 'rh0/#', retainHandling: 0 }]);
    assert.equal((await receivePublishes(s, 1))[0]!.payload.toString(), 'kept');
    await subackCodes(s, 2, [{ topic: 'rh0/#', retainHandling: 0 }]);
    assert.equal((await receivePublishes(s, 1))[0]!.payload.toString(), 'kept');
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('Retain Handling 1: retained messages only when the subscription is new [MQTT-3.3.1-10]', async () => {
  const tb = await startBroker();
  try {
    tb.broker.publish('rh1/t', 'kept', { retain: true });
    const s = await rawSession(tb.port, 5, 'rh1');
    await subackCodes(s, 1, [{ topic: 'rh1/#', retainHandling: 1 }]);
    assert.equal((await receivePublishes(s, 1))[0]!.payload.toString(), 'kept');
    await subackCodes(s, 2, [{ topic: 'rh1/#', retainHandling: 1 }]);
    await pingRoundTrip(s);
    assert.equal(s.received.filter((p) => p.type === PacketType.PUBLISH).length, 0);
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('Retain Handling 2: retained messages are never sent at subscribe time [MQTT-3.3.1-11]', async () => {
  const tb = await startBroker();
  try {
    tb.broker.publish('rh2/t', 'kept', { retain: true });
    const s = await rawSession(tb.port, 5, 'rh2');
    await subackCodes(s, 1, [{ topic: 'rh2/#', retainHandling: 2 }]);
    await pingRoundTrip(s);
    assert.equal(s.received.filter((p) => p.type === PacketType.PUBLISH).length, 0);
    // Live messages still flow.
    tb.broker.publish('rh2/t', 'live');
    assert.equal((await receivePublishes(s, 1))[0]!.payload.toString(), 'live');
    s.destroy();
  } finally {
    await tb.close();
  }
});
