// A QoS 1/2 message that crosses nodes is acknowledged to its publisher only once Redis has confirmed it (the XADD to
// the other node's inbox): while Redis is away the PUBACK/PUBREC waits, and it follows when Redis is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { PacketType } from '../../src/index.js';

test('PUBACK and PUBREC of a message for a subscriber on another node wait for Redis to confirm it', { timeout: 120_000 }, async () => {
  const redis = await startRedisServer();
  const a = await startBroker({ id: 'ack-a', sysInterval: 0, cluster: { redis: redis.url, prefix: 'pa:' } });
  const b = await startBroker({ id: 'ack-b', sysInterval: 0, cluster: { redis: redis.url, prefix: 'pa:' } });
  const sub = await connectClient(b.port, { protocolVersion: 5, clientId: 'ack-sub' });
  const pub = await RawClient.connect(a.port, 5);
  try {
    await sub.subscribeAsync('ack/#', { qos: 2 });
    const got = collect(sub);
    await waitFor(() => {
      a.broker.publish('ack/probe', 'probe');
      return got.some((m) => m.topic === 'ack/probe');
    }, 5000, 'route to node b known on node a');
    await pub.handshake('ack-pub');
    await redis.stop();
    await waitFor(() => a.broker.cluster?.state === 'degraded', 5000, 'node a sees Redis gone');
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 'ack/one', packetId: 1, payload: Buffer.from('q1'), properties: {} });
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 2, retain: false, topic: 'ack/two', packetId: 2, payload: Buffer.from('q2'), properties: {} });
    assert.equal(await pub.quiet(500), true, 'no acknowledgement while Redis cannot take the message');
    // No session can change owner while Redis is away: a persistent session is refused, a clean one served here.
    const persistent = await RawClient.connect(a.port, 5);
    assert.equal((await persistent.handshake('ack-persistent', { clean: false, properties: { sessionExpiryInterval: 60 } })).reasonCode, 0x88);
    persistent.destroy();
    const clean = await RawClient.connect(a.port, 5);
    assert.equal((await clean.handshake('ack-clean', { clean: true })).reasonCode, 0);
    clean.destroy();
    await redis.restart();
    const puback = await pub.expect(PacketType.PUBACK, 15_000);
    assert.equal(puback.packetId, 1);
    assert.equal(puback.reasonCode, 0);
    const pubrec = await pub.expect(PacketType.PUBREC, 5000);
    assert.equal(pubrec.packetId, 2);
    assert.equal(pubrec.reasonCode, 0);
    await waitFor(() => got.some((m) => m.topic === 'ack/one') && got.some((m) => m.topic === 'ack/two'), 15_000, 'both delivered on node b');
  } finally {
    pub.destroy();
    await endClient(sub);
    await a.close();
    await b.close();
    await redis.destroy();
  }
});
