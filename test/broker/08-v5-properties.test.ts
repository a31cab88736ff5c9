// MQTT 5.0 PUBLISH properties end to end: user properties, content type, payload format, request/response, expiry, problem information.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, ReasonCode } from '../../src/index.js';
import type { Hook, UserProperty } from '../../src/index.js';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import { ManualClock } from '../helpers/clock.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { publishPacket, subscribePacket } from '../helpers/packets.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

// Tests use distinct client ids and topics, so they run concurrently. The broker runs on a clock the expiry tests
// advance (never by more than seconds: keep alive and connect timeouts of the other tests are far longer).
describe('v5 properties', { concurrency: true }, () => {
  let tb: TestBroker;
  const clock = new ManualClock();
  before(async () => {
    tb = await startBroker({ sysInterval: 0, clock: clock.now });
  });
  after(async () => {
    await tb.close();
  });

  test('user properties are forwarded unaltered, in order, duplicates kept [MQTT-3.3.2-17] [MQTT-3.3.2-18]', async () => {
    const sub = await rawSession(tb.port, 5, 'up-sub', { subscribe: [{ topic: 'v5/up', qos: 1 }] });
    const pub = await rawSession(tb.port, 5, 'up-pub');
    const userProperties: UserProperty[] = [['b', '2'], ['a', '1'], ['b', '2'], ['a', '3'], ['', '']];
    pub.send(publishPacket('v5/up', 'x', 1, 1, { properties: { userProperties } }));
    await pub.expect(PacketType.PUBACK);
    const [m] = await receivePublishes(sub, 1);
    assert.deepEqual(m!.properties.userProperties, userProperties);
    sub.destroy();
    pub.destroy();
  });

  test('content type, payload format indicator, response topic and correlation data are forwarded unaltered [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16]', async () => {
    const sub = await rawSession(tb.port, 5, 'props-sub', { subscribe: [{ topic: 'v5/props', qos: 2 }] });
    const pub = await rawSession(tb.port, 5, 'props-pub');
    const properties = { contentType: 'application/json; charset=utf-8', payloadFormatIndicator: 1, responseTopic: 'v5/reply/ü', correlationData: Buffer.from([0, 1, 2, 255]) };
    pub.send(publishPacket('v5/props', '{"ok":true}', 0, 0, { properties }));
    const [m] = await receivePublishes(sub, 1);
    assert.equal(m!.properties.contentType, properties.contentType);
    assert.equal(m!.properties.payloadFormatIndicator, 1);
    assert.equal(m!.properties.responseTopic, properties.responseTopic);
    assert.deepEqual(m!.properties.correlationData, properties.correlationData);
    sub.destroy();
    pub.destroy();
  });

  test('request/response with MQTT.js: the responder replies on the response topic with the correlation data', async () => {
    const responder = await connectClient(tb.port, { protocolVersion: 5 });
    const requester = await connectClient(tb.port, { protocolVersion: 5 });
    await responder.subscribeAsync('v5/service', { qos: 1 });
    responder.on('message', (_t, payload, packet) => {
      const p = packet.properties;
      if (p?.responseTopic !== undefined) void responder.publishAsync(p.responseTopic, `re:${payload.toString()}`, { qos: 1, properties: { correlationData: p.correlationData } });
    });
    const got = collect(requester);
    await requester.subscribeAsync('v5/replies/1', { qos: 1 });
    await requester.publishAsync('v5/service', 'ping', { qos: 1, properties: { responseTopic: 'v5/replies/1', correlationData: Buffer.from('req-42') } });
    await waitFor(() => got.length === 1, 2000, 'reply');
    assert.equal(got[0]!.payload.toString(), 're:ping');
    assert.deepEqual(got[0]!.packet.properties?.correlationData, Buffer.from('req-42'));
    await endClient(responder);
    await endClient(requester);
  });

  test('payload format indicator 1 with invalid UTF-8: PUBACK 0x99 / PUBREC 0x99 and no delivery', async () => {
    const sub = await rawSession(tb.port, 5, 'pfi-sub', { subscribe: [{ topic: 'v5/pfi', qos: 2 }] });
    const pub = await rawSession(tb.port, 5, 'pfi-pub');
    const bad = Buffer.from([0x61, 0xff, 0xfe]);
    pub.send(publishPacket('v5/pfi', bad, 1, 1, { properties: { payloadFormatIndicator: 1 } }));
    const a = await pub.expect(PacketType.PUBACK);
    assert.equal(a.reasonCode, ReasonCode.PAYLOAD_FORMAT_INVALID);
    pub.send(publishPacket('v5/pfi', bad, 2, 2, { properties: { payloadFormatIndicator: 1 } }));
    const r = await pub.expect(PacketType.PUBREC);
    assert.equal(r.reasonCode, ReasonCode.PAYLOAD_FORMAT_INVALID);
    // The same bytes without the indicator are fine.
    pub.send(publishPacket('v5/pfi', bad, 1, 3));
    assert.equal((await pub.expect(PacketType.PUBACK)).reasonCode, 0);
    const [m] = await receivePublishes(sub, 1);
    assert.deepEqual(m!.payload, bad);
    assert.equal(await sub.quiet(150), true, 'an invalid message was delivered');
    assert.equal(pub.isClosed, false);
    sub.destroy();
    pub.destroy();
  });

  test('message expiry: a subscriber that was offline gets the remaining lifetime [MQTT-3.3.2-6]', async () => {
    const opts = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const a = await rawSession(tb.port, 5, 'exp-sub', { subscribe: [{ topic: 'v5/exp', qos: 1 }], connect: opts });
    a.destroy();
    await a.waitClosed();
    await waitFor(() => tb.broker.client('exp-sub')?.connected === false, 2000, 'offline');
    const pub = await rawSession(tb.port, 5, 'exp-pub');
    pub.send(publishPacket('v5/exp', 'ages', 1, 1, { properties: { messageExpiryInterval: 10 } }));
    await pub.expect(PacketType.PUBACK);
    clock.advance(1100);
    const b = await RawClient.connect(tb.port, 5);
    await b.handshake('exp-sub', opts);
    const [m] = await receivePublishes(b, 1);
    const left = m!.properties.messageExpiryInterval;
    assert.ok(left !== undefined && left >= 1 && left <= 9, `remaining expiry ${left}`);
    b.destroy();
    pub.destroy();
  });

  test('message expiry: an expired message is never delivered, queued or retained [MQTT-3.3.2-5]', async () => {
    const opts = { clean: false, properties: { sessionExpiryInterval: 60 } };
    const a = await rawSession(tb.port, 5, 'expd-sub', { subscribe: [{ topic: 'v5/expd', qos: 1 }], connect: opts });
    a.destroy();
    await a.waitClosed();
    await waitFor(() => tb.broker.client('expd-sub')?.connected === false, 2000, 'offline');
    const pub = await rawSession(tb.port, 5, 'expd-pub');
    pub.send(publishPacket('v5/expd', 'short', 1, 1, { retain: true, properties: { messageExpiryInterval: 1 } }));
    await pub.expect(PacketType.PUBACK);
    pub.send(publishPacket('v5/expd', 'long', 1, 2, { properties: { messageExpiryInterval: 100 } }));
    await pub.expect(PacketType.PUBACK);
    clock.advance(1200);
    const b = await RawClient.connect(tb.port, 5);
    await b.handshake('expd-sub', opts);
    const got = await receivePublishes(b, 1);
    assert.deepEqual(got.map((p) => p.payload.toString()), ['long']);
    assert.equal(await b.quiet(150), true, 'an expired message was delivered');
    const late = await rawSession(tb.port, 5, 'expd-late', { subscribe: [{ topic: 'v5/expd', qos: 1 }] });
    assert.equal(await late.quiet(150), true, 'an expired retained message was delivered');
    for (const c of [b, pub, late]) c.destroy();
  });

  test('message expiry: a message waiting behind a full inflight window expires there [MQTT-3.3.2-5]', async () => {
    const c = await rawSession(tb.port, 5, 'expq-sub', { subscribe: [{ topic: 'v5/expq', qos: 1 }], connect: { properties: { receiveMaximum: 1 } } });
    tb.broker.publish('v5/expq', 'first', { qos: 1 });
    tb.broker.publish('v5/expq', 'short-lived', { qos: 1, properties: { messageExpiryInterval: 1 } });
    tb.broker.publish('v5/expq', 'last', { qos: 1 });
    const [first] = await receivePublishes(c, 1);
    clock.advance(1200);
    c.send({ type: PacketType.PUBACK, packetId: first!.packetId, reasonCode: 0, properties: {} });
    const [next] = await receivePublishes(c, 1);
    assert.equal(next!.payload.toString(), 'last');
    assert.equal(tb.broker.client('expq-sub')?.dropped, 1);
    c.destroy();
  });

  test('message expiry: a retained message is delivered on subscribe with its remaining lifetime [MQTT-3.3.2-6]', async () => {
    tb.broker.publish('v5/expr', 'kept', { retain: true, properties: { messageExpiryInterval: 30 } });
    clock.advance(1100);
    const c = await rawSession(tb.port, 5, 'expr-sub', { subscribe: [{ topic: 'v5/expr', qos: 0 }] });
    const [m] = await receivePublishes(c, 1);
    const left = m!.properties.messageExpiryInterval;
    assert.ok(left !== undefined && left >= 1 && left <= 29, `remaining expiry ${left}`);
    c.destroy();
  });

  test('message expiry: a message without expiry carries no Message Expiry Interval', async () => {
    const sub = await rawSession(tb.port, 5, 'noexp-sub', { subscribe: [{ topic: 'v5/noexp', qos: 0 }] });
    tb.broker.publish('v5/noexp', 'x');
    const [m] = await receivePublishes(sub, 1);
    assert.equal(m!.properties.messageExpiryInterval, undefined);
    sub.destroy();
  });
});

describe('v5 properties: per-connection limits and subscription options', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ sysInterval: 0 });
  });
  after(async () => {
    await tb.close();
  });

  test('the broker never sends a packet above the client Maximum Packet Size: it is dropped and counted [MQTT-3.1.2-24] [MQTT-3.1.2-25]', async () => {
    const c = await rawSession(tb.port, 5, 'mps-sub', { subscribe: [{ topic: 'v5/mps', qos: 1 }], connect: { properties: { maximumPacketSize: 100 } } });
    tb.broker.publish('v5/mps', Buffer.alloc(200, 0x61), { qos: 1 });
    tb.broker.publish('v5/mps', 'small', { qos: 1 });
    const [m] = await receivePublishes(c, 1);
    assert.equal(m!.payload.toString(), 'small');
    assert.equal(tb.broker.client('mps-sub')?.dropped, 1);
    // Behaves as if the large one completed: nothing is left in flight for it.
    c.send({ type: PacketType.PUBACK, packetId: m!.packetId, reasonCode: 0, properties: {} });
    await waitFor(() => tb.broker.client('mps-sub')?.inflight === 0, 2000, 'inflight empty');
    c.destroy();
  });

  test('topic aliases towards the client stay within its Topic Alias Maximum, and none without one [MQTT-3.1.2-26] [MQTT-3.1.2-27] [MQTT-3.3.2-11]', async () => {
    const withAliases = await rawSession(tb.port, 5, 'alias-max-2', { subscribe: [{ topic: 'v5/ta/+', qos: 0 }], connect: { properties: { topicAliasMaximum: 2 } } });
    const without = await rawSession(tb.port, 5, 'alias-max-0', { subscribe: [{ topic: 'v5/ta/+', qos: 0 }] });
    const topics = ['v5/ta/a', 'v5/ta/b', 'v5/ta/c', 'v5/ta/a', 'v5/ta/c', 'v5/ta/a'];
    for (const t of topics) tb.broker.publish(t, t);
    const got = await receivePublishes(withAliases, topics.length);
    const known = new Map<number, string>();
    const resolved = got.map((p) => {
      const alias = p.properties.topicAlias;
      if (alias === undefined) return p.topic;
      assert.ok(alias >= 1 && alias <= 2, `alias ${alias}`);
      if (p.topic !== '') known.set(alias, p.topic);
      return known.get(alias);
    });
    assert.deepEqual(resolved, topics);
    assert.deepEqual(got.map((p) => p.payload.toString()), topics);
    const plain = await receivePublishes(without, topics.length);
    assert.ok(plain.every((p) => p.properties.topicAlias === undefined && p.topic !== ''));
    withAliases.destroy();
    without.destroy();
  });

  test('subscription identifiers of every matching subscription go with the one copy [MQTT-3.3.4-3] [MQTT-3.3.4-4]', async () => {
    const c = await rawSession(tb.port, 5, 'subid');
    c.send(subscribePacket(1, [{ topic: 'v5/sid/+', qos: 0 }], { subscriptionIdentifiers: [11] }));
    await c.expect(PacketType.SUBACK);
    c.send(subscribePacket(2, [{ topic: 'v5/sid/#', qos: 1 }], { subscriptionIdentifiers: [22] }));
    await c.expect(PacketType.SUBACK);
    c.send(subscribePacket(3, [{ topic: 'v5/sid/x', qos: 0 }]));
    await c.expect(PacketType.SUBACK);
    tb.broker.publish('v5/sid/x', 'x', { qos: 1 });
    const [m] = await receivePublishes(c, 1);
    assert.deepEqual([...(m!.properties.subscriptionIdentifiers ?? [])].sort((a, b) => a - b), [11, 22]);
    assert.equal(await c.quiet(150), true, 'more than one copy');
    c.destroy();
  });

  test('No Local: a client does not receive its own publishes on such a subscription [MQTT-3.8.3-3]', async () => {
    const c = await rawSession(tb.port, 5, 'nolocal', { subscribe: [{ topic: 'v5/nl', qos: 0, noLocal: true }] });
    const other = await rawSession(tb.port, 5, 'nolocal-other');
    c.send(publishPacket('v5/nl', 'mine'));
    other.send(publishPacket('v5/nl', 'theirs'));
    const [m] = await receivePublishes(c, 1);
    assert.equal(m!.payload.toString(), 'theirs');
    assert.equal(await c.quiet(150), true, 'own message delivered');
    c.destroy();
    other.destroy();
  });
});

describe('v5 properties: Request Problem Information', () => {
  let tb: TestBroker;
  const denier: Hook = {
    id: 'deny-with-reason',
    authenticate: (client) => (client.id.startsWith('deny') ? { decision: 'deny', reasonCode: ReasonCode.NOT_AUTHORIZED, reasonString: 'no entry' } : 'allow'),
  };
  before(async () => {
    tb = await startBroker({ sysInterval: 0 });
    await tb.broker.addHook(denier);
  });
  after(async () => {
    await tb.close();
  });

  test('reason strings are sent when Request Problem Information is absent (default 1)', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('deny-1');
    assert.equal(ack.reasonCode, ReasonCode.NOT_AUTHORIZED);
    assert.equal(ack.properties.reasonString, 'no entry');
    await c.waitClosed(1000);
  });

  test('Request Problem Information 0: no reason string on the refusal, no reason string or user properties on acks [MQTT-3.1.2-29]', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('deny-0', { properties: { requestProblemInformation: 0 } });
    assert.equal(ack.reasonCode, ReasonCode.NOT_AUTHORIZED);
    assert.equal(ack.properties.reasonString, undefined);
    await c.waitClosed(1000);
    const ok = await rawSession(tb.port, 5, 'allowed-rpi0', { connect: { properties: { requestProblemInformation: 0 } } });
    ok.send(publishPacket('$SYS/x', 'no', 1, 1, { properties: { userProperties: [['k', 'v']] } }));
    const pa = await ok.expect(PacketType.PUBACK);
    assert.equal(pa.reasonCode, ReasonCode.NOT_AUTHORIZED);
    assert.equal(pa.properties.reasonString, undefined);
    assert.equal(pa.properties.userProperties, undefined);
    ok.destroy();
  });
});
