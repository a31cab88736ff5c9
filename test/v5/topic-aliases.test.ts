// Topic aliases, inbound (client → broker) and outbound (broker → client) [MQTT-3.3.2-7..-12].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { expectDisconnect, pingRoundTrip, rawSession, receivePublishes } from '../helpers/raw-session.js';
import { publishPacket } from '../helpers/packets.js';
import { RawClient } from '../helpers/raw-client.js';

test('inbound: an alias set with a topic is then used with an empty topic [MQTT-3.3.2-12]', async () => {
  const tb = await startBroker({ capabilities: { topicAliasMaximum: 4 } });
  try {
    const s = await rawSession(tb.port, 5, 'ta-sub', { subscribe: ['t/#'] });
    const p = await rawSession(tb.port, 5, 'ta-pub');
    p.send(publishPacket('t/one', 'a', 0, 0, { properties: { topicAlias: 3 } }));
    p.send(publishPacket('', 'b', 0, 0, { properties: { topicAlias: 3 } }));
    p.send(publishPacket('t/two', 'c', 0, 0, { properties: { topicAlias: 3 } }));
    p.send(publishPacket('', 'd', 0, 0, { properties: { topicAlias: 3 } }));
    const got = await receivePublishes(s, 4);
    assert.deepEqual(got.map((m) => [m.topic, m.payload.toString()]), [['t/one', 'a'], ['t/one', 'b'], ['t/two', 'c'], ['t/two', 'd']]);
    // The alias belongs to the publisher's connection: it is never forwarded.
    assert.ok(got.every((m) => m.properties.topicAlias === undefined));
    s.destroy();
    p.destroy();
  } finally {
    await tb.close();
  }
});

test('inbound: alias 0 → DISCONNECT 0x94 [MQTT-3.3.2-8]', async () => {
  const tb = await startBroker({ capabilities: { topicAliasMaximum: 4 } });
  try {
    const p = await rawSession(tb.port, 5, 'ta-zero');
    p.send(publishPacket('t/x', 'a', 0, 0, { properties: { topicAlias: 0 } }));
    assert.equal(await expectDisconnect(p), 0x94);
  } finally {
    await tb.close();
  }
});

test('inbound: alias above the Topic Alias Maximum → DISCONNECT 0x94 [MQTT-3.3.2-9] [MQTT-3.3.2-12]', async () => {
  const tb = await startBroker({ capabilities: { topicAliasMaximum: 4 } });
  try {
    const p = await rawSession(tb.port, 5, 'ta-big');
    p.send(publishPacket('t/x', 'a', 0, 0, { properties: { topicAlias: 5 } }));
    assert.equal(await expectDisconnect(p), 0x94);
  } finally {
    await tb.close();
  }
});

test('inbound: topicAliasMaximum 0 is not advertised and any alias → 0x94 [MQTT-3.3.2-9]', async () => {
  const tb = await startBroker({ capabilities: { topicAliasMaximum: 0 } });
  try {
    const p = await RawClient.connect(tb.port, 5);
    const ack = await p.handshake('ta-none');
    assert.equal(ack.properties.topicAliasMaximum, undefined);
    p.send(publishPacket('t/x', 'a', 0, 0, { properties: { topicAlias: 1 } }));
    assert.equal(await expectDisconnect(p), 0x94);
  } finally {
    await tb.close();
  }
});

test('inbound: an alias is not carried to a new connection: empty topic with it → DISCONNECT 0x82 [MQTT-3.3.2-7]', async () => {
  const tb = await startBroker({ capabilities: { topicAliasMaximum: 4 } });
  try {
    const first = await rawSession(tb.port, 5, 'ta-carry', { connect: { clean: false, properties: { sessionExpiryInterval: 60 } } });
    first.send(publishPacket('t/x', 'a', 0, 0, { properties: { topicAlias: 1 } }));
    await pingRoundTrip(first);
    first.destroy();
    await first.waitClosed();
    const again = await rawSession(tb.port, 5, 'ta-carry', { connect: { clean: false, properties: { sessionExpiryInterval: 60 } } });
    again.send(publishPacket('', 'b', 0, 0, { properties: { topicAlias: 1 } }));
    assert.equal(await expectDisconnect(again), 0x82);
  } finally {
    await tb.close();
  }
});

test('inbound: an unknown alias with an empty topic → DISCONNECT 0x82', async () => {
  const tb = await startBroker({ capabilities: { topicAliasMaximum: 4 } });
  try {
    const p = await rawSession(tb.port, 5, 'ta-unknown');
    p.send(publishPacket('', 'a', 0, 0, { properties: { topicAlias: 2 } }));
    assert.equal(await expectDisconnect(p), 0x82);
  } finally {
    await tb.close();
  }
});

test('outbound: first PUBLISH carries topic and alias, later ones an empty topic and the alias [MQTT-3.3.2-11]', async () => {
  const tb = await startBroker();
  try {
    const s = await rawSession(tb.port, 5, 'tao-sub', { subscribe: [{ topic: 'o/#', qos: 1 }], connect: { properties: { topicAliasMaximum: 5 } } });
    for (const [i, t] of ['o/a', 'o/a', 'o/b', 'o/a', 'o/b'].entries()) tb.broker.publish(t, String(i), { qos: i % 2 === 0 ? 0 : 1 });
    const got = await receivePublishes(s, 5);
    assert.deepEqual(
      got.map((m) => [m.topic, m.properties.topicAlias, m.payload.toString()]),
      [['o/a', 1, '0'], ['', 1, '1'], ['o/b', 2, '2'], ['', 1, '3'], ['', 2, '4']],
    );
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('outbound: more topics than the client\'s maximum: never an alias above it, oldest alias reused (FIFO) [MQTT-3.3.2-11]', async () => {
  const tb = await startBroker();
  try {
    const s = await rawSession(tb.port, 5, 'tao-fifo', { subscribe: [{ topic: 'f/#', qos: 0 }], connect: { properties: { topicAliasMaximum: 2 } } });
    const topics = ['f/1', 'f/2', 'f/3', 'f/3', 'f/1', 'f/2', 'f/4'];
    for (const t of topics) tb.broker.publish(t, t);
    const got = await receivePublishes(s, topics.length);
    for (const m of got) {
      assert.ok(m.properties.topicAlias !== undefined && m.properties.topicAlias >= 1 && m.properties.topicAlias <= 2);
    }
    // Replay the client side of the mapping: every empty topic must resolve to what was published.
    const known = new Map<number, string>();
    got.forEach((m, i) => {
      const alias = m.properties.topicAlias!;
      if (m.topic !== '') known.set(alias, m.topic);
      assert.equal(known.get(alias), topics[i]);
    });
    assert.deepEqual(
      got.map((m) => [m.topic, m.properties.topicAlias]),
      [['f/1', 1], ['f/2', 2], ['f/3', 1], ['', 1], ['f/1', 2], ['f/2', 1], ['f/4', 2]],
    );
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('outbound: a client that sends no Topic Alias Maximum never receives an alias', async () => {
  const tb = await startBroker();
  try {
    const s = await rawSession(tb.port, 5, 'tao-none', { subscribe: ['n/#'] });
    tb.broker.publish('n/a', 'x');
    tb.broker.publish('n/a', 'y');
    const got = await receivePublishes(s, 2);
    assert.deepEqual(got.map((m) => [m.topic, m.properties.topicAlias]), [['n/a', undefined], ['n/a', undefined]]);
    await pingRoundTrip(s);
    s.destroy();
  } finally {
    await tb.close();
  }
});

test('outbound aliases interoperate with MQTT.js 5: it resolves every alias to the right topic', async () => {
  const tb = await startBroker();
  try {
    const m = await connectClient(tb.port, { protocolVersion: 5, clientId: 'tao-mqttjs', properties: { topicAliasMaximum: 2 } });
    const got = collect(m);
    await m.subscribeAsync('js/#', { qos: 1 });
    const topics = ['js/a', 'js/b', 'js/a', 'js/c', 'js/a', 'js/b'];
    for (const t of topics) tb.broker.publish(t, t, { qos: 1 });
    await waitFor(() => got.length === topics.length, 2000, 'all messages');
    assert.deepEqual(got.map((x) => x.topic), topics);
    assert.deepEqual(got.map((x) => x.payload.toString()), topics);
    assert.ok(got.some((x) => x.packet.properties?.topicAlias !== undefined), 'no alias was used');
    await endClient(m);
  } finally {
    await tb.close();
  }
});
