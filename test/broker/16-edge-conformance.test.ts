// Edge cases of the protocol versions: MQTT 3.1's own CONNECT/CONNACK rules, the protocol name, acknowledgements of
// the wrong type, PUBREC with an error code, and a CONNACK larger than the client's Maximum Packet Size.
// Glossary: "raw" = our byte-level client (exact packets); "wire" = the bytes the broker wrote, as received.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { PacketType, ReasonCode } from '../../src/index.js';
import type { Hook, ProtocolVersion } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { hex } from '../catalogue/hex.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

const ack = (type: 4 | 5 | 6 | 7, packetId: number, reasonCode = 0) => ({ type, packetId, reasonCode, properties: {} });

/** Connects a raw client that also records every byte the broker sends. */
async function wireClient(port: number, version: ProtocolVersion): Promise<{ c: RawClient; wire: () => Buffer }> {
  const c = await RawClient.connect(port, version);
  const chunks: Buffer[] = [];
  c.socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { c, wire: () => Buffer.concat(chunks) };
}

/** The connection ends as a protocol error: 5.0 gets DISCONNECT 0x82 first, 3.x is closed with nothing sent. */
async function expectProtocolErrorClose(c: RawClient, version: ProtocolVersion, what: string): Promise<void> {
  if (version === 5) {
    const d = await c.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.PROTOCOL_ERROR, what);
  } else {
    assert.equal(await c.next(1000), undefined, `${what}: a v${version} client got a packet before the close`);
  }
  await c.waitClosed(1000);
}

describe('MQTT 3.1 (MQIsdp, level 3) follows its own rules', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ sysInterval: 0 });
  });
  after(async () => {
    await tb.close();
  });

  test('v3: CONNACK byte 1 is 0 even when a session is resumed (3.1 has no Session Present); the session is resumed', async () => {
    const opts = { clean: false };
    const first = await rawSession(tb.port, 3, 'v31-resume', { subscribe: [{ topic: 'v31/resume', qos: 1 }], connect: opts });
    first.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: {} });
    await first.waitClosed();
    await waitFor(() => tb.broker.client('v31-resume')?.connected === false, 2000, 'offline');
    tb.broker.publish('v31/resume', 'kept', { qos: 1 });
    const { c, wire } = await wireClient(tb.port, 3);
    const connack = await c.handshake('v31-resume', opts);
    assert.equal(connack.reasonCode, 0);
    assert.deepEqual(wire().subarray(0, 4), hex`20 02 00 00`);
    const [m] = await receivePublishes(c, 1);
    assert.equal(m!.payload.toString(), 'kept', 'the stored session was resumed');
    c.destroy();
  });

  test('v4: the same resumption sets Session Present: CONNACK 20 02 01 00 [MQTT-3.2.2-2]', async () => {
    const opts = { clean: false };
    const first = await rawSession(tb.port, 4, 'v311-resume', { connect: opts });
    first.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: {} });
    await first.waitClosed();
    const { c, wire } = await wireClient(tb.port, 4);
    await c.handshake('v311-resume', opts);
    assert.deepEqual(wire().subarray(0, 4), hex`20 02 01 00`);
    c.destroy();
  });

  test('v3 with MQTT.js (protocolId MQIsdp): reconnecting to a stored session reports no Session Present and delivers what was queued', async () => {
    const options = { protocolId: 'MQIsdp' as const, protocolVersion: 3 as const, clientId: 'v31-mqttjs', clean: false };
    const a = await connectClient(tb.port, options);
    await a.subscribeAsync('v31/js', { qos: 1 });
    await endClient(a);
    await waitFor(() => tb.broker.client('v31-mqttjs')?.connected === false, 2000, 'offline');
    tb.broker.publish('v31/js', 'queued', { qos: 1 });
    const b = mqtt.connect({ host: '127.0.0.1', port: tb.port, reconnectPeriod: 0, ...options });
    const got = collect(b);
    const sessionPresent = await new Promise<boolean>((resolve, reject) => {
      b.once('connect', (connack) => resolve(connack.sessionPresent));
      b.once('error', reject);
    });
    assert.equal(sessionPresent, false);
    await waitFor(() => got.length === 1, 2000, 'queued message');
    assert.equal(got[0]!.payload.toString(), 'queued');
    await endClient(b);
  });

  test('v3: a CONNECT with the reserved connect flag (bit 0) set is accepted: 3.1 does not require it to be 0', async () => {
    const { c, wire } = await wireClient(tb.port, 3);
    // CONNECT, "MQIsdp", level 3, flags 0x03 (clean session + bit 0), keep alive 60, client id "r"
    c.sendBytes(hex`10 0f  00 06 4d 51 49 73 64 70  03  03  00 3c  00 01 72`);
    assert.equal((await c.expect(PacketType.CONNACK)).reasonCode, 0);
    assert.deepEqual(wire(), hex`20 02 00 00`);
    c.send({ type: PacketType.PINGREQ });
    await c.expect(PacketType.PINGRESP);
    c.destroy();
  });

  test('v3: a CONNECT with DUP/QoS/RETAIN bits in its fixed header is accepted: 3.1 does not use them in CONNECT', async () => {
    const c = await RawClient.connect(tb.port, 3);
    c.sendBytes(hex`1f 0f  00 06 4d 51 49 73 64 70  03  02  00 3c  00 01 66`);
    assert.equal((await c.expect(PacketType.CONNACK)).reasonCode, 0);
    c.destroy();
  });

  test('v4: the same fixed-header flags on a 3.1.1 CONNECT close the connection without CONNACK [MQTT-2.2.2-1] [MQTT-3.1.4-1]', async () => {
    const c = await RawClient.connect(tb.port, 4);
    c.sendBytes(hex`1f 0d  00 04 4d 51 54 54  04  02  00 3c  00 01 66`);
    assert.equal(await c.next(1000), undefined);
    await c.waitClosed(1000);
  });

  test('v5: fixed-header flags on a 5.0 CONNECT → CONNACK 0x81 and close [MQTT-2.1.3-1]', async () => {
    const c = await RawClient.connect(tb.port, 5);
    c.sendBytes(hex`18 0e  00 04 4d 51 54 54  05  02  00 3c  00  00 01 66`);
    assert.equal((await c.expect(PacketType.CONNACK, 1000)).reasonCode, ReasonCode.MALFORMED_PACKET);
    await c.waitClosed(1000);
  });
});

describe('protocol name', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ sysInterval: 0 });
  });
  after(async () => {
    await tb.close();
  });

  for (const [what, bytes] of [
    ['"MQTX" with level 4', hex`10 0d  00 04 4d 51 54 58  04  02 00 3c 00 01 61`],
    ['"MQIsdp" with level 4', hex`10 0f  00 06 4d 51 49 73 64 70  04  02 00 3c 00 01 61`],
    ['"mqtt" (case differs) with level 4', hex`10 0d  00 04 6d 71 74 74  04  02 00 3c 00 01 61`],
  ] as const) {
    test(`v4: protocol name ${what} → closed without CONNACK [MQTT-3.1.2-1]`, async () => {
      const { c, wire } = await wireClient(tb.port, 4);
      c.sendBytes(bytes);
      await c.waitClosed(1000);
      assert.equal(wire().length, 0, 'the broker wrote bytes');
    });
  }

  test('v5: protocol name "MQTX" with level 5 → CONNACK 0x84, then close [MQTT-3.1.2-1]', async () => {
    const { c, wire } = await wireClient(tb.port, 5);
    c.sendBytes(hex`10 0e  00 04 4d 51 54 58  05  02 00 3c  00  00 01 61`);
    await c.waitClosed(1000);
    assert.deepEqual(wire(), hex`20 03 00 84 00`);
  });

  test('"MQTT" with level 3 (a level "MQTT" does not have) → CONNACK return code 1, then close [MQTT-3.1.2-2]', async () => {
    const { c, wire } = await wireClient(tb.port, 4);
    c.sendBytes(hex`10 0d  00 04 4d 51 54 54  03  02 00 3c 00 01 61`);
    await c.waitClosed(1000);
    assert.deepEqual(wire(), hex`20 02 00 01`);
  });
});

describe('acknowledgement of the wrong type for an in-flight packet id', () => {
  let tb: TestBroker;
  let n = 0;
  before(async () => {
    tb = await startBroker({ sysInterval: 0 });
  });
  after(async () => {
    await tb.close();
  });

  /** A subscriber with one outbound message of `qos` in flight; returns it and its packet id. */
  async function inFlight(version: ProtocolVersion, qos: 1 | 2): Promise<{ c: RawClient; id: string; packetId: number }> {
    const id = `wrong-ack-${version}-${++n}`;
    const topic = `wa/${id}`;
    const c = await rawSession(tb.port, version, id, { subscribe: [{ topic, qos }] });
    tb.broker.publish(topic, 'x', { qos });
    const [m] = await receivePublishes(c, 1);
    assert.equal(m!.qos, qos);
    return { c, id, packetId: m!.packetId };
  }

  for (const version of [3, 4, 5] as const) {
    const outcome = version === 5 ? 'DISCONNECT 0x82' : 'close';
    const ids = version === 5 ? '[MQTT-4.13.1-1]' : '[MQTT-4.8.0-1]';

    test(`v${version}: PUBREC for a QoS 1 message → ${outcome} ${ids} ${version === 5 ? '[MQTT-4.3.2-4]' : '[MQTT-4.3.2-2]'}`, async () => {
      const { c, packetId } = await inFlight(version, 1);
      c.send(ack(PacketType.PUBREC, packetId));
      await expectProtocolErrorClose(c, version, 'PUBREC for QoS 1');
    });

    test(`v${version}: PUBCOMP for a QoS 1 message → ${outcome} ${ids}`, async () => {
      const { c, packetId } = await inFlight(version, 1);
      c.send(ack(PacketType.PUBCOMP, packetId));
      await expectProtocolErrorClose(c, version, 'PUBCOMP for QoS 1');
    });

    test(`v${version}: PUBACK for a QoS 2 message → ${outcome} ${ids} ${version === 5 ? '[MQTT-4.3.3-8]' : '[MQTT-4.3.3-2]'}`, async () => {
      const { c, packetId } = await inFlight(version, 2);
      c.send(ack(PacketType.PUBACK, packetId));
      await expectProtocolErrorClose(c, version, 'PUBACK for QoS 2');
    });

    test(`v${version}: PUBCOMP for a QoS 2 message before the broker sent PUBREL → ${outcome} ${ids} ${version === 5 ? '[MQTT-4.3.3-11]' : '[MQTT-4.3.3-2]'}`, async () => {
      const { c, packetId } = await inFlight(version, 2);
      c.send(ack(PacketType.PUBCOMP, packetId));
      await expectProtocolErrorClose(c, version, 'PUBCOMP before PUBREL');
    });

    test(`v${version}: the right acknowledgements complete both flows, and unknown ids are ignored without closing`, async () => {
      const q1 = await inFlight(version, 1);
      q1.c.send(ack(PacketType.PUBACK, q1.packetId));
      await waitFor(() => tb.broker.client(q1.id)?.inflight === 0, 2000, 'QoS 1 completed');
      // A late or duplicate acknowledgement names no message in flight: nothing to complete, nothing to refuse.
      q1.c.send(ack(PacketType.PUBACK, q1.packetId));
      q1.c.send(ack(PacketType.PUBCOMP, 4242));
      q1.c.send({ type: PacketType.PINGREQ });
      await q1.c.expect(PacketType.PINGRESP);
      q1.c.destroy();

      const q2 = await inFlight(version, 2);
      q2.c.send(ack(PacketType.PUBREC, q2.packetId));
      assert.equal((await q2.c.expect(PacketType.PUBREL)).packetId, q2.packetId);
      q2.c.send(ack(PacketType.PUBCOMP, q2.packetId));
      await waitFor(() => tb.broker.client(q2.id)?.inflight === 0, 2000, 'QoS 2 completed');
      q2.c.send({ type: PacketType.PINGREQ });
      await q2.c.expect(PacketType.PINGRESP);
      q2.c.destroy();
    });
  }

  test('v5: a PUBREC with an error code for an unknown packet id gets no PUBREL; with a success code it gets PUBREL 0x92 [MQTT-4.3.3-4]', async () => {
    const c = await rawSession(tb.port, 5, 'pubrec-unknown');
    c.send(ack(PacketType.PUBREC, 901, 0x80));
    c.send(ack(PacketType.PUBREC, 902, 0x87));
    c.send({ type: PacketType.PINGREQ });
    // Packets are answered in order: a PUBREL for 901 or 902 would come before the PINGRESP.
    await c.expect(PacketType.PINGRESP);
    c.send(ack(PacketType.PUBREC, 903, 0));
    const rel = await c.expect(PacketType.PUBREL);
    assert.deepEqual([rel.packetId, rel.reasonCode], [903, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND]);
    assert.equal(c.isClosed, false);
    c.destroy();
  });

  test('v5: a PUBREC with an error code for a message in flight ends the flow: no PUBREL, the id is released and the next message flows [MQTT-4.3.3-4] [MQTT-4.8.2-6]', async () => {
    const topic = 'wa/pubrec-error';
    const c = await rawSession(tb.port, 5, 'pubrec-error', { subscribe: [{ topic, qos: 2 }], connect: { properties: { receiveMaximum: 1 } } });
    tb.broker.publish(topic, 'first', { qos: 2 });
    tb.broker.publish(topic, 'second', { qos: 2 });
    const [first] = await receivePublishes(c, 1);
    assert.equal(first!.payload.toString(), 'first');
    assert.equal(tb.broker.client('pubrec-error')?.queued, 1, 'Receive Maximum 1 holds the second message back');
    c.send(ack(PacketType.PUBREC, first!.packetId, 0x80));
    // The inflight slot is free again, so the second message is sent; no PUBREL comes before it.
    const next = await c.next();
    assert.equal(next?.type, PacketType.PUBLISH, `expected the second PUBLISH, got ${JSON.stringify(next?.type)}`);
    assert.equal(next.type === PacketType.PUBLISH ? next.payload.toString() : '', 'second');
    assert.equal(tb.broker.client('pubrec-error')?.inflight, 1);
    c.destroy();
  });
});

describe('5.0: a CONNACK larger than the client Maximum Packet Size is not sent [MQTT-3.1.2-24]', () => {
  let tb: TestBroker;
  const denier: Hook = {
    id: 'deny-with-reason',
    authenticate: (client) => (client.id.startsWith('deny') ? { decision: 'deny', reasonCode: ReasonCode.NOT_AUTHORIZED, reasonString: 'not on the list' } : 'allow'),
  };
  before(async () => {
    // Capabilities at the protocol defaults, so a successful CONNACK carries no properties unless the CONNECT asks.
    tb = await startBroker({ sysInterval: 0, capabilities: { receiveMaximum: 65535, topicAliasMaximum: 0 } });
    await tb.broker.addHook(denier);
  });
  after(async () => {
    await tb.close();
  });

  test('an empty client id (the CONNACK must carry the Assigned Client Identifier) with Maximum Packet Size 20 → closed with nothing sent', async () => {
    const refusedBefore = tb.broker.stats.connectionsRefused ?? 0;
    const { c, wire } = await wireClient(tb.port, 5);
    c.send({ type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: 5, clean: true, keepAlive: 60, clientId: '', username: undefined, password: undefined, will: undefined, properties: { maximumPacketSize: 20 } });
    await c.waitClosed(1000);
    assert.equal(wire().length, 0, 'the broker wrote bytes');
    assert.equal(tb.broker.stats.connectionsRefused, refusedBefore + 1);
  });

  test('the smallest CONNACK (5 bytes) is sent when the limit is 5, and not when it is 4', async () => {
    const { c, wire } = await wireClient(tb.port, 5);
    const connack = await c.handshake('mps-five', { properties: { maximumPacketSize: 5 } });
    assert.equal(connack.reasonCode, 0);
    assert.deepEqual(wire(), hex`20 03 00 00 00`);
    c.destroy();
    const small = await wireClient(tb.port, 5);
    small.c.send({ type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: 5, clean: true, keepAlive: 60, clientId: 'mps-four', username: undefined, password: undefined, will: undefined, properties: { maximumPacketSize: 4 } });
    await small.c.waitClosed(1000);
    assert.equal(small.wire().length, 0);
    assert.equal(tb.broker.client('mps-four'), undefined, 'no session was created');
  });

  test('a connection that cannot be sent its CONNACK does not take over the existing session or its connection', async () => {
    const owner = await rawSession(tb.port, 5, 'mps-owner', { connect: { clean: false, properties: { sessionExpiryInterval: 60 } } });
    const intruder = await wireClient(tb.port, 5);
    intruder.c.send({ type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: 5, clean: true, keepAlive: 60, clientId: 'mps-owner', username: undefined, password: undefined, will: undefined, properties: { maximumPacketSize: 4 } });
    await intruder.c.waitClosed(1000);
    assert.equal(intruder.wire().length, 0);
    owner.send({ type: PacketType.PINGREQ });
    await owner.expect(PacketType.PINGRESP);
    assert.equal(tb.broker.client('mps-owner')?.connected, true);
    owner.destroy();
  });

  test('a refusing CONNACK leaves out its Reason String when that would exceed the limit [MQTT-3.2.2-19]', async () => {
    const roomy = await RawClient.connect(tb.port, 5);
    const full = await roomy.handshake('deny-roomy');
    assert.equal(full.properties.reasonString, 'not on the list');
    await roomy.waitClosed(1000);
    const { c, wire } = await wireClient(tb.port, 5);
    const trimmed = await c.handshake('deny-tight', { properties: { maximumPacketSize: 10 } });
    assert.equal(trimmed.reasonCode, ReasonCode.NOT_AUTHORIZED);
    assert.equal(trimmed.properties.reasonString, undefined);
    await c.waitClosed(1000);
    assert.deepEqual(wire(), hex`20 03 00 87 00`);
  });
});
