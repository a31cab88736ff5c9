// Large payloads: deliveries of payloads of LARGE_WRITE_BYTES and more go out as a separately encoded head plus
// the payload buffer itself (never copied per subscriber), mixed in order with small packets of the same turn.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { LARGE_WRITE_BYTES } from '../../src/connection/outbound.js';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { publishPacket } from '../helpers/packets.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';

/** A payload whose every byte depends on its seed and position, so a misplaced or torn byte is noticed. */
function payloadOf(seed: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (seed * 31 + i * 7 + (i >> 8)) & 0xff;
  return b;
}

const LARGE = LARGE_WRITE_BYTES * 4 + 3;

describe('large payloads', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker();
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [4, 5] as const) {
    test(`v${version}: small and large messages of one burst arrive intact and in order to subscribers of QoS 0, 1 and 2 [MQTT-4.6.0-5] [MQTT-3.3.5-1]`, async () => {
      const topic = `large/mix/${version}`;
      const subs = await Promise.all(([0, 1, 2] as const).map((qos) => rawSession(tb.port, version, `large-sub-${version}-${qos}`, { subscribe: [{ topic, qos }] })));
      const pub = await rawSession(tb.port, version, `large-pub-${version}`);
      const sent: Buffer[] = [];
      for (let i = 0; i < 12; i++) {
        // Alternate sizes on both sides of the threshold, plus the threshold itself.
        const size = i % 3 === 0 ? 10 : i % 3 === 1 ? LARGE : LARGE_WRITE_BYTES;
        const payload = payloadOf(i, size);
        sent.push(payload);
        pub.send(publishPacket(topic, payload, 1, i + 1));
      }
      for (const [granted, sub] of subs.entries()) {
        const qos = Math.min(granted, 1); // published at QoS 1 [MQTT-3.3.5-1]
        for (let i = 0; i < sent.length; i++) {
          // Acknowledge each at once so the inflight window never holds the rest back.
          const [p] = await receivePublishes(sub, 1, 5000);
          assert.equal(p!.topic, topic);
          assert.equal(p!.qos, qos);
          assert.equal(p!.retain, false);
          assert.equal(p!.dup, false);
          assert.ok(p!.payload.equals(sent[i]!), `message ${i} for granted QoS ${granted} differs`);
          if (qos > 0) {
            assert.notEqual(p!.packetId, 0);
            sub.send({ type: PacketType.PUBACK, packetId: p!.packetId, reasonCode: 0, properties: {} });
          }
        }
      }
      for (const c of [...subs, pub]) c.destroy();
    });
  }

  test('v5: a large delivery carries its own subscription identifier and remaining expiry [MQTT-3.3.4-3] [MQTT-3.3.2-6]', async () => {
    const topic = 'large/props';
    const a = await rawSession(tb.port, 5, 'large-props-a');
    a.send({ type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [{ topic, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }], properties: { subscriptionIdentifiers: [7] } });
    await a.expect(PacketType.SUBACK);
    const b = await rawSession(tb.port, 5, 'large-props-b');
    b.send({ type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [{ topic, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }], properties: { subscriptionIdentifiers: [9] } });
    await b.expect(PacketType.SUBACK);
    const pub = await rawSession(tb.port, 5, 'large-props-pub');
    const payload = payloadOf(3, LARGE);
    pub.send(publishPacket(topic, payload, 1, 1, { properties: { messageExpiryInterval: 600, contentType: 'application/octet-stream', userProperties: [['k', 'v']] } }));
    const [pa] = await receivePublishes(a, 1);
    const [pb] = await receivePublishes(b, 1);
    for (const [p, id] of [[pa!, 7], [pb!, 9]] as const) {
      assert.ok(p.payload.equals(payload));
      assert.deepEqual(p.properties.subscriptionIdentifiers, [id]);
      assert.equal(p.properties.contentType, 'application/octet-stream');
      assert.deepEqual(p.properties.userProperties, [['k', 'v']]);
      assert.ok(p.properties.messageExpiryInterval !== undefined && p.properties.messageExpiryInterval <= 600 && p.properties.messageExpiryInterval >= 599);
    }
    for (const c of [a, b, pub]) c.destroy();
  });

  test('v5: a large message over the client\'s Maximum Packet Size is dropped for it, the next small one still comes [MQTT-3.1.2-25]', async () => {
    const topic = 'large/limit';
    const sub = await rawSession(tb.port, 5, 'large-limit-sub', { subscribe: [{ topic, qos: 1 }], connect: { properties: { maximumPacketSize: LARGE_WRITE_BYTES + 100 } } });
    const pub = await rawSession(tb.port, 5, 'large-limit-pub');
    // Fits: the threshold-sized payload plus a head of under 100 bytes.
    pub.send(publishPacket(topic, payloadOf(1, LARGE_WRITE_BYTES), 1, 1));
    pub.send(publishPacket(topic, payloadOf(2, LARGE), 1, 2));
    pub.send(publishPacket(topic, 'small', 1, 3));
    const got = await receivePublishes(sub, 2);
    assert.equal(got[0]!.payload.length, LARGE_WRITE_BYTES);
    assert.equal(got[1]!.payload.toString(), 'small');
    assert.equal(await sub.quiet(200), true);
    sub.destroy();
    pub.destroy();
  });

  test('v4: an unacknowledged large message is resent with DUP and the same packet id when the session resumes [MQTT-4.4.0-1] [MQTT-3.3.1-1]', async () => {
    const topic = 'large/resume';
    const first = await rawSession(tb.port, 4, 'large-resume', { subscribe: [{ topic, qos: 1 }], connect: { clean: false } });
    const pub = await rawSession(tb.port, 4, 'large-resume-pub');
    const payload = payloadOf(5, LARGE);
    pub.send(publishPacket(topic, payload, 1, 1));
    const [m] = await receivePublishes(first, 1);
    assert.equal(m!.dup, false);
    first.destroy();
    await waitFor(() => tb.broker.clients().find((c) => c.id === 'large-resume')?.connected !== true, 2000, 'old connection gone');
    const again = await RawClient.connect(tb.port, 4);
    const ack = await again.handshake('large-resume', { clean: false });
    assert.equal(ack.sessionPresent, true);
    const [r] = await receivePublishes(again, 1);
    assert.equal(r!.dup, true);
    assert.equal(r!.packetId, m!.packetId);
    assert.ok(r!.payload.equals(payload));
    again.destroy();
    pub.destroy();
  });

  test('MQTT.js v5 receives a 1 MiB QoS 1 message and a small one after it', async () => {
    const sub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'large-mqttjs-sub' });
    const got = collect(sub);
    await sub.subscribeAsync('large/js', { qos: 1 });
    const pub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'large-mqttjs-pub' });
    const big = payloadOf(9, 1024 * 1024);
    await pub.publishAsync('large/js', big, { qos: 1 });
    await pub.publishAsync('large/js', 'after', { qos: 1 });
    await waitFor(() => got.length === 2, 5000, 'both messages');
    assert.ok(got[0]!.payload.equals(big));
    assert.equal(got[1]!.payload.toString(), 'after');
    await endClient(sub);
    await endClient(pub);
  });
});
