// Flow control (Receive Maximum both ways) and Maximum Packet Size both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { expectDisconnect, pingRoundTrip, publishQoS1, rawSession, receivePublishes } from '../helpers/raw-session.js';
import { publishPacket } from '../helpers/packets.js';

test('broker Receive Maximum is advertised and enforced: a third unacknowledged QoS 2 PUBLISH → DISCONNECT 0x93 [MQTT-3.3.4-7]', async () => {
  const tb = await startBroker({ capabilities: { receiveMaximum: 2 } });
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('rm-in');
    assert.equal(ack.properties.receiveMaximum, 2);
    c.send(publishPacket('rm/t', '1', 2, 1));
    c.send(publishPacket('rm/t', '2', 2, 2));
    assert.equal((await c.expect(PacketType.PUBREC)).packetId, 1);
    assert.equal((await c.expect(PacketType.PUBREC)).packetId, 2);
    c.send(publishPacket('rm/t', '3', 2, 3));
    assert.equal(await expectDisconnect(c), 0x93);
  } finally {
    await tb.close();
  }
});

test('broker Receive Maximum: releasing one QoS 2 exchange (PUBREL) makes room for the next', async () => {
  const tb = await startBroker({ capabilities: { receiveMaximum: 2 } });
  try {
    const c = await rawSession(tb.port, 5, 'rm-in-ok');
    c.send(publishPacket('rm/t', '1', 2, 1));
    c.send(publishPacket('rm/t', '2', 2, 2));
    await c.expect(PacketType.PUBREC);
    await c.expect(PacketType.PUBREC);
    c.send({ type: PacketType.PUBREL, packetId: 1, reasonCode: 0, properties: {} });
    assert.equal((await c.expect(PacketType.PUBCOMP)).packetId, 1);
    c.send(publishPacket('rm/t', '3', 2, 3));
    assert.equal((await c.expect(PacketType.PUBREC)).packetId, 3);
    c.destroy();
  } finally {
    await tb.close();
  }
});

test("client Receive Maximum 2: never more than 2 unacknowledged QoS 1 PUBLISH; each PUBACK releases the next [MQTT-3.3.4-9]", async () => {
  const tb = await startBroker();
  try {
    const c = await rawSession(tb.port, 5, 'rm-out', { subscribe: [{ topic: 'win/t', qos: 1 }], connect: { properties: { receiveMaximum: 2 } } });
    for (let i = 0; i < 5; i++) tb.broker.publish('win/t', String(i), { qos: 1 });
    const first = await receivePublishes(c, 2);
    assert.deepEqual(first.map((m) => m.payload.toString()), ['0', '1']);
    // [MQTT-3.3.4-10] other packets are not held back: PINGRESP still comes, and no third PUBLISH with it.
    await pingRoundTrip(c);
    assert.equal(c.received.filter((p) => p.type === PacketType.PUBLISH).length, 0);
    const snap = tb.broker.client('rm-out')!;
    assert.equal(snap.inflight, 2);
    assert.equal(snap.queued, 3);
    c.send({ type: PacketType.PUBACK, packetId: first[0]!.packetId, reasonCode: 0, properties: {} });
    const [third] = await receivePublishes(c, 1);
    assert.equal(third!.payload.toString(), '2');
    await pingRoundTrip(c);
    assert.equal(c.received.filter((p) => p.type === PacketType.PUBLISH).length, 0);
    c.send({ type: PacketType.PUBACK, packetId: first[1]!.packetId, reasonCode: 0, properties: {} });
    c.send({ type: PacketType.PUBACK, packetId: third!.packetId, reasonCode: 0, properties: {} });
    const rest = await receivePublishes(c, 2);
    assert.deepEqual(rest.map((m) => m.payload.toString()), ['3', '4']);
    c.destroy();
  } finally {
    await tb.close();
  }
});

test('client Receive Maximum counts QoS 2 until PUBCOMP [MQTT-3.3.4-9]', async () => {
  const tb = await startBroker();
  try {
    const c = await rawSession(tb.port, 5, 'rm-out2', { subscribe: [{ topic: 'w2/t', qos: 2 }], connect: { properties: { receiveMaximum: 1 } } });
    tb.broker.publish('w2/t', 'a', { qos: 2 });
    tb.broker.publish('w2/t', 'b', { qos: 2 });
    const [a] = await receivePublishes(c, 1);
    c.send({ type: PacketType.PUBREC, packetId: a!.packetId, reasonCode: 0, properties: {} });
    await c.expect(PacketType.PUBREL);
    await pingRoundTrip(c);
    assert.equal(c.received.filter((p) => p.type === PacketType.PUBLISH).length, 0, 'second PUBLISH before PUBCOMP');
    c.send({ type: PacketType.PUBCOMP, packetId: a!.packetId, reasonCode: 0, properties: {} });
    const [b] = await receivePublishes(c, 1);
    assert.equal(b!.payload.toString(), 'b');
    c.destroy();
  } finally {
    await tb.close();
  }
});

test('broker Maximum Packet Size is advertised and enforced: a larger packet → DISCONNECT 0x95', async () => {
  const tb = await startBroker({ capabilities: { maximumPacketSize: 128 } });
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('mps-in');
    assert.equal(ack.properties.maximumPacketSize, 128);
    assert.equal(await publishQoS1(c, 'mps/t', 'x'.repeat(64), 1), 0);
    c.send(publishPacket('mps/t', 'x'.repeat(200), 1, 2));
    assert.equal(await expectDisconnect(c), 0x95);
  } finally {
    await tb.close();
  }
});

test("client Maximum Packet Size: a larger message is not sent to it and counts in dropped [MQTT-3.1.2-24] [MQTT-3.1.2-25]", async () => {
  const tb = await startBroker();
  try {
    const c = await rawSession(tb.port, 5, 'mps-out', { subscribe: [{ topic: 'big/#', qos: 1 }], connect: { properties: { maximumPacketSize: 64 } } });
    const other = await rawSession(tb.port, 5, 'mps-other', { subscribe: [{ topic: 'big/#', qos: 1 }] });
    tb.broker.publish('big/a', 'small', { qos: 1 });
    tb.broker.publish('big/a', 'L'.repeat(100), { qos: 1 });
    tb.broker.publish('big/a', 'L'.repeat(100), { qos: 0 });
    tb.broker.publish('big/a', 'after', { qos: 1 });
    const got = await receivePublishes(c, 2);
    assert.deepEqual(got.map((m) => m.payload.toString()), ['small', 'after']);
    await pingRoundTrip(c);
    assert.equal(c.received.filter((p) => p.type === PacketType.PUBLISH).length, 0);
    // Discarded as if sent: nothing stays in flight for it [MQTT-3.1.2-25].
    const snap = tb.broker.client('mps-out')!;
    assert.equal(snap.dropped, 2);
    assert.equal(snap.inflight, 2);
    // A subscriber without a limit gets all four.
    assert.equal((await receivePublishes(other, 4)).length, 4);
    c.destroy();
    other.destroy();
    await waitFor(() => tb.broker.client('mps-out') === undefined, 2000, 'session gone');
  } finally {
    await tb.close();
  }
});
