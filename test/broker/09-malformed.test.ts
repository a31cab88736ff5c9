// Malformed and forbidden input: the reason code the spec requires, the connection closed within a second,
// and a bystander pair of clients that keeps publishing and receiving throughout.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { PacketType, ReasonCode } from '../../src/index.js';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { hex } from '../catalogue/hex.js';
import { publishPacket, subscribePacket } from '../helpers/packets.js';
import { rawSession } from '../helpers/raw-session.js';

/** A malformed or forbidden packet sent after a successful CONNECT. */
interface Case {
  name: string;
  /** Bytes for 3.1.1 and for 5.0 (5.0 adds property lengths). */
  v4?: Buffer;
  v5?: Buffer;
  /** 5.0 DISCONNECT reason code expected before the close. */
  reason: number;
}

const CASES: Case[] = [
  {
    name: 'SUBSCRIBE with reserved flags 0000 instead of 0010 [MQTT-2.1.3-1] [MQTT-3.8.1-1] (5.0) [MQTT-2.2.2-1] [MQTT-2.2.2-2] [MQTT-3.8.1-1] (3.1.1)',
    v4: hex`80 06  00 01  00 01 61  00`,
    v5: hex`80 07  00 01  00  00 01 61  00`,
    reason: ReasonCode.MALFORMED_PACKET,
  },
  {
    name: 'PUBLISH with QoS 3 [MQTT-3.3.1-4]',
    v4: hex`36 06  00 01 61  00 01  78`,
    v5: hex`36 07  00 01 61  00 01  00  78`,
    reason: ReasonCode.MALFORMED_PACKET,
  },
  {
    name: 'remaining length longer than four bytes [MQTT-1.5.5-1] (5.0)',
    v4: hex`30 ff ff ff ff 01`,
    v5: hex`30 ff ff ff ff 01`,
    reason: ReasonCode.MALFORMED_PACKET,
  },
  {
    name: 'PUBLISH topic that is not well-formed UTF-8 [MQTT-1.5.4-1] (5.0) [MQTT-1.5.3-1] (3.1.1)',
    v4: hex`30 05  00 02 c3 28  78`,
    v5: hex`30 06  00 02 c3 28  00  78`,
    reason: ReasonCode.MALFORMED_PACKET,
  },
  {
    name: 'PUBLISH topic containing U+0000 [MQTT-1.5.4-2] (5.0) [MQTT-4.7.3-2] (3.1.1)',
    v4: hex`30 05  00 02 61 00  78`,
    v5: hex`30 06  00 02 61 00  00  78`,
    reason: ReasonCode.MALFORMED_PACKET,
  },
  {
    // It parses, so 5.0 answers Protocol Error (section 1.2), not 0x90, which is for a correctly formed name.
    name: 'PUBLISH topic name with a wildcard [MQTT-3.3.2-2] [MQTT-4.7.0-1] (5.0) [MQTT-4.7.1-1] (3.1.1)',
    v4: hex`30 06  00 03 61 2f 2b  78 # a/+`,
    v5: hex`30 07  00 03 61 2f 23  00  78 # a/#`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'SUBSCRIBE to "#/a": # not last [MQTT-4.7.1-1] (5.0) [MQTT-4.7.1-2] (3.1.1)',
    v4: hex`82 08  00 01  00 03 23 2f 61  01`,
    v5: hex`82 09  00 01  00  00 03 23 2f 61  01`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'SUBSCRIBE to "a/#/b": # not last [MQTT-4.7.1-1] (5.0) [MQTT-4.7.1-2] (3.1.1)',
    v4: hex`82 0a  00 01  00 05 61 2f 23 2f 62  01`,
    v5: hex`82 0b  00 01  00  00 05 61 2f 23 2f 62  01`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'SUBSCRIBE to "a+": + not alone in its level [MQTT-4.7.1-2] (5.0) [MQTT-4.7.1-3] (3.1.1)',
    v4: hex`82 07  00 01  00 02 61 2b  01`,
    v5: hex`82 08  00 01  00  00 02 61 2b  01`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'SUBSCRIBE to "$share/g": no "/" and filter after the share name [MQTT-4.8.2-2] (5.0; a plain filter in 3.1.1)',
    v5: hex`82 0e  00 01  00  00 08 24 73 68 61 72 65 2f 67  01`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'SUBSCRIBE to "$share//a": empty share name [MQTT-4.8.2-1] (5.0; a plain filter in 3.1.1)',
    v5: hex`82 0f  00 01  00  00 09 24 73 68 61 72 65 2f 2f 61  01`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'UNSUBSCRIBE from "a+": + not alone in its level [MQTT-4.7.1-2] (5.0) [MQTT-4.7.1-3] (3.1.1)',
    v4: hex`a2 06  00 01  00 02 61 2b`,
    v5: hex`a2 07  00 01  00  00 02 61 2b`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'server-only packet type CONNACK from a client',
    v4: hex`20 02 00 00`,
    v5: hex`20 03 00 00 00`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'server-only packet type SUBACK from a client',
    v4: hex`90 03 00 01 00`,
    v5: hex`90 04 00 01 00 00`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'server-only packet type PINGRESP from a client',
    v4: hex`d0 00`,
    v5: hex`d0 00`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
  {
    name: 'reserved packet type 0',
    v4: hex`00 00`,
    v5: hex`00 00`,
    reason: ReasonCode.MALFORMED_PACKET,
  },
  {
    name: 'SUBSCRIBE without any topic filter [MQTT-3.8.3-2] (5.0) [MQTT-3.8.3-3] (3.1.1)',
    v4: hex`82 02  00 01`,
    v5: hex`82 03  00 01  00`,
    reason: ReasonCode.PROTOCOL_ERROR, // 5.0 section 3.8.3: "a SUBSCRIBE packet with no Payload is a Protocol Error"
  },
  {
    name: 'PUBLISH QoS 1 with packet identifier 0 [MQTT-2.2.1-3]',
    v4: hex`32 06  00 01 61  00 00  78`,
    v5: hex`32 07  00 01 61  00 00  00  78`,
    reason: ReasonCode.PROTOCOL_ERROR,
  },
];

describe('malformed and forbidden packets', () => {
  let tb: TestBroker;
  let bystanderPub: MqttClient;
  let bystanderSub: MqttClient;
  let bystanderGot: ReturnType<typeof collect>;
  let round = 0;

  before(async () => {
    tb = await startBroker({ sysInterval: 0, capabilities: { maximumPacketSize: 256, receiveMaximum: 2 } });
    bystanderSub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'bystander-sub' });
    bystanderPub = await connectClient(tb.port, { protocolVersion: 4, clientId: 'bystander-pub' });
    bystanderGot = collect(bystanderSub);
    await bystanderSub.subscribeAsync('bystander/#', { qos: 1 });
  });
  after(async () => {
    await endClient(bystanderSub);
    await endClient(bystanderPub);
    await tb.close();
  });
  // Other clients are unaffected: after every case the bystanders still exchange a message.
  afterEach(async () => {
    round++;
    await bystanderPub.publishAsync(`bystander/${round}`, String(round), { qos: 1 });
    await waitFor(() => bystanderGot.some((m) => m.topic === `bystander/${round}`), 2000, `bystander round ${round}`);
    assert.equal(bystanderSub.connected && bystanderPub.connected, true);
  });

  for (const c of CASES) {
    for (const version of [4, 5] as const) {
      const bytes = version === 5 ? c.v5 : c.v4;
      if (bytes === undefined) continue;
      const outcome = version === 5 ? `DISCONNECT 0x${c.reason.toString(16)}` : 'close';
      test(`v${version}: ${c.name} → ${outcome} within a second [MQTT-4.13.1-1] [MQTT-4.8.0-1]`, async () => {
        const raw = await rawSession(tb.port, version, `bad-${version}-${round}`);
        raw.sendBytes(bytes);
        if (version === 5) {
          const d = await raw.expect(PacketType.DISCONNECT, 1000);
          assert.equal(d.reasonCode, c.reason);
        } else {
          assert.equal(await raw.next(1000), undefined, 'a 3.1.1 client got a packet before the close');
        }
        await raw.waitClosed(1000);
      });
    }
  }

  test('v5: packet larger than capabilities.maximumPacketSize → DISCONNECT 0x95 [MQTT-3.2.2-15]', async () => {
    const raw = await RawClient.connect(tb.port, 5);
    const ack = await raw.handshake('too-large-5');
    assert.equal(ack.properties.maximumPacketSize, 256);
    raw.send(publishPacket('big', Buffer.alloc(300, 0x61), 0));
    const d = await raw.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.PACKET_TOO_LARGE);
    await raw.waitClosed(1000);
  });

  test('v4: packet larger than capabilities.maximumPacketSize → close', async () => {
    const raw = await rawSession(tb.port, 4, 'too-large-4');
    raw.send(publishPacket('big', Buffer.alloc(300, 0x61), 0));
    assert.equal(await raw.next(1000), undefined);
    await raw.waitClosed(1000);
  });

  test('v5: topic alias 0 or above the Topic Alias Maximum → DISCONNECT 0x94 [MQTT-3.3.2-8] [MQTT-3.3.2-9]', async () => {
    for (const alias of [0, 1025]) {
      const raw = await rawSession(tb.port, 5, `alias-${alias}`);
      raw.send(publishPacket('t', 'x', 0, 0, { properties: { topicAlias: alias } }));
      const d = await raw.expect(PacketType.DISCONNECT, 1000);
      assert.equal(d.reasonCode, ReasonCode.TOPIC_ALIAS_INVALID, `alias ${alias}`);
      await raw.waitClosed(1000);
    }
  });

  test('v5: a topic alias within range is accepted and resolves later publishes [MQTT-3.3.2-12]', async () => {
    const sub = await rawSession(tb.port, 5, 'alias-sub', { subscribe: [{ topic: 'alias/ok', qos: 0 }] });
    const raw = await rawSession(tb.port, 5, 'alias-ok');
    raw.send(publishPacket('alias/ok', 'one', 0, 0, { properties: { topicAlias: 7 } }));
    raw.send(publishPacket('', 'two', 0, 0, { properties: { topicAlias: 7 } }));
    const a = await sub.expect(PacketType.PUBLISH);
    const b = await sub.expect(PacketType.PUBLISH);
    assert.deepEqual([a.topic, b.topic, b.payload.toString()], ['alias/ok', 'alias/ok', 'two']);
    raw.destroy();
    sub.destroy();
  });

  test('v5: receive maximum exceeded (3 unacknowledged QoS 2 with receiveMaximum 2) → DISCONNECT 0x93 [MQTT-3.3.4-7]', async () => {
    const raw = await RawClient.connect(tb.port, 5);
    const ack = await raw.handshake('recv-max');
    assert.equal(ack.properties.receiveMaximum, 2);
    for (const id of [1, 2]) {
      raw.send(publishPacket('rm/t', 'x', 2, id));
      await raw.expect(PacketType.PUBREC);
    }
    raw.send(publishPacket('rm/t', 'x', 2, 3));
    const d = await raw.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
    await raw.waitClosed(1000);
  });

  test('garbage bytes before CONNECT: closed without CONNACK [MQTT-3.1.0-1] [MQTT-3.1.4-1]', async () => {
    const raw = await RawClient.connect(tb.port, 4);
    raw.sendBytes(hex`ff ff ff ff 13 37 de ad be ef`);
    assert.equal(await raw.next(1000), undefined);
    await raw.waitClosed(1000);
  });

  test('v5: garbage bytes after CONNECT → DISCONNECT 0x81', async () => {
    const raw = await rawSession(tb.port, 5, 'garbage-5');
    raw.sendBytes(hex`00 ff ff ff ff 13 37`);
    const d = await raw.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.MALFORMED_PACKET);
    await raw.waitClosed(1000);
  });

  test('v5: CONNECT with the reserved flag set → CONNACK 0x81, then close [MQTT-3.1.2-3]', async () => {
    const raw = await RawClient.connect(tb.port, 5);
    // CONNECT, MQTT level 5, flags 0x03 (clean start + reserved bit), keep alive 60, no properties, client id "r"
    raw.sendBytes(hex`10 0e  00 04 4d 51 54 54  05  03  00 3c  00  00 01 72`);
    const ack = await raw.expect(PacketType.CONNACK, 1000);
    assert.equal(ack.reasonCode, ReasonCode.MALFORMED_PACKET);
    await raw.waitClosed(1000);
  });

  test('v4: CONNECT with the reserved flag set → closed without CONNACK [MQTT-3.1.2-3]', async () => {
    const raw = await RawClient.connect(tb.port, 4);
    raw.sendBytes(hex`10 0d  00 04 4d 51 54 54  04  03  00 3c  00 01 72`);
    assert.equal(await raw.next(1000), undefined);
    await raw.waitClosed(1000);
  });
});

describe('packets beyond what the broker offers (maximumQoS 1, retainAvailable false)', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ sysInterval: 0, capabilities: { maximumQoS: 1, retainAvailable: false } });
  });
  after(async () => {
    await tb.close();
  });

  test('v5: CONNACK advertises Maximum QoS 1 and Retain Available 0 [MQTT-3.2.2-9]', async () => {
    const raw = await RawClient.connect(tb.port, 5);
    const ack = await raw.handshake('caps');
    assert.equal(ack.properties.maximumQoS, 1);
    assert.equal(ack.properties.retainAvailable, 0);
    raw.destroy();
  });

  test('v5: SUBSCRIBE at QoS 2 is accepted and granted QoS 1 [MQTT-3.2.2-10]', async () => {
    const raw = await rawSession(tb.port, 5, 'sub-q2');
    raw.send(subscribePacket(4, [{ topic: 'caps/x', qos: 2 }]));
    const ack = await raw.expect(PacketType.SUBACK);
    assert.deepEqual(ack.reasonCodes, [1]);
    raw.destroy();
  });

  test('v5: PUBLISH at QoS 2 → DISCONNECT 0x9B [MQTT-3.2.2-11]', async () => {
    const raw = await rawSession(tb.port, 5, 'pub-q2');
    raw.send(publishPacket('caps/x', 'x', 2, 1));
    const d = await raw.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.QOS_NOT_SUPPORTED);
    await raw.waitClosed(1000);
  });

  test('v5: PUBLISH with RETAIN → DISCONNECT 0x9A [MQTT-3.2.2-14]', async () => {
    const raw = await rawSession(tb.port, 5, 'pub-retain');
    raw.send(publishPacket('caps/x', 'x', 0, 0, { retain: true }));
    const d = await raw.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.RETAIN_NOT_SUPPORTED);
    await raw.waitClosed(1000);
  });

  test('v5: a will with QoS 2 or retain is refused with CONNACK 0x9B / 0x9A [MQTT-3.2.2-12] [MQTT-3.2.2-13]', async () => {
    const q = await RawClient.connect(tb.port, 5);
    const a1 = await q.handshake('will-q2', { will: { topic: 'w', payload: Buffer.from('x'), qos: 2, retain: false, properties: {} } });
    assert.equal(a1.reasonCode, ReasonCode.QOS_NOT_SUPPORTED);
    await q.waitClosed(1000);
    const r = await RawClient.connect(tb.port, 5);
    const a2 = await r.handshake('will-retain', { will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: true, properties: {} } });
    assert.equal(a2.reasonCode, ReasonCode.RETAIN_NOT_SUPPORTED);
    await r.waitClosed(1000);
  });
});
