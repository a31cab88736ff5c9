// A bridge to a real Mosquitto started by the test: both directions at QoS 0/1/2 with prefixes over MQTT 5.0 and
// 3.1.1, echo suppression for 3.1.1 (no No Local there), Mosquitto restarted while messages are published locally,
// and TLS with a test CA. Fails (does not skip) when mosquitto is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { QoS } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { createTestCertificates } from '../listeners/helpers.js';
import { freePort } from '../helpers/ports.js';
import { bridgeStatus, startMosquitto, waitConnected } from './support.js';

for (const version of [5, 4] as const) {
  test(`Mosquitto over MQTT ${version === 5 ? '5.0' : '3.1.1'}: both directions at QoS 0, 1 and 2 with prefixes`, async () => {
    const mosq = await startMosquitto();
    const edge = await startBroker();
    try {
      await edge.broker.addBridge({
        name: 'mosq',
        url: `mqtt://127.0.0.1:${mosq.port}`,
        protocolVersion: version,
        clientId: `edge-${version}`,
        topics: [
          { filter: 'sensors/#', direction: 'out', qos: 2, remotePrefix: 'edge-1/' },
          { filter: 'commands/#', direction: 'in', qos: 2, localPrefix: 'from-cloud/', remotePrefix: 'to-edge/' },
        ],
      });
      await waitConnected(edge.broker, 'mosq');
      const atMosq = await connectClient(mosq.port, { protocolVersion: 5 });
      const atEdge = await connectClient(edge.port, { protocolVersion: 5 });
      const mosqPub = await connectClient(mosq.port, { protocolVersion: 5 });
      try {
        await atMosq.subscribeAsync('edge-1/#', { qos: 2 });
        await atEdge.subscribeAsync('from-cloud/#', { qos: 2 });
        const gotMosq = collect(atMosq);
        const gotEdge = collect(atEdge);
        for (const qos of [0, 1, 2] as QoS[]) {
          edge.broker.publish(`sensors/s${qos}`, `up-${qos}`, { qos });
          await mosqPub.publishAsync(`to-edge/commands/c${qos}`, `down-${qos}`, { qos });
        }
        await waitFor(() => gotMosq.length === 3 && gotEdge.length === 3, 5000, 'six messages');
        assert.deepEqual(gotMosq.map((m) => [m.topic, m.payload.toString(), m.packet.qos]), [
          ['edge-1/sensors/s0', 'up-0', 0],
          ['edge-1/sensors/s1', 'up-1', 1],
          ['edge-1/sensors/s2', 'up-2', 2],
        ]);
        assert.deepEqual(gotEdge.map((m) => [m.topic, m.payload.toString(), m.packet.qos]), [
          ['from-cloud/commands/c0', 'down-0', 0],
          ['from-cloud/commands/c1', 'down-1', 1],
          ['from-cloud/commands/c2', 'down-2', 2],
        ]);
        await waitFor(() => bridgeStatus(edge.broker, 'mosq').queued === 0, 3000, 'acknowledged');
        const s = bridgeStatus(edge.broker, 'mosq');
        assert.equal(s.forwardedOut, 3);
        assert.equal(s.forwardedIn, 3);
      } finally {
        for (const c of [atMosq, atEdge, mosqPub]) await endClient(c);
      }
    } finally {
      await edge.close();
      await mosq.remove();
    }
  });
}

for (const version of [5, 4] as const) {
  test(`Mosquitto over MQTT ${version === 5 ? '5.0' : '3.1.1'} with direction both: a message published locally does not come back`, async () => {
    const mosq = await startMosquitto();
    const edge = await startBroker();
    try {
      await edge.broker.addBridge({ name: 'mosq', url: `mqtt://127.0.0.1:${mosq.port}`, protocolVersion: version, topics: [{ filter: 'sync/#', direction: 'both', qos: 1 }] });
      await waitConnected(edge.broker, 'mosq');
      const local = await connectClient(edge.port, { protocolVersion: 5 });
      const remote = await connectClient(mosq.port, { protocolVersion: 5 });
      try {
        await local.subscribeAsync('sync/#', { qos: 1 });
        await remote.subscribeAsync('sync/#', { qos: 1 });
        const gotLocal = collect(local);
        const gotRemote = collect(remote);
        for (let i = 0; i < 5; i++) edge.broker.publish('sync/up', `u${i}`, { qos: 1 });
        await remote.publishAsync('sync/down', 'd', { qos: 1 });
        await waitFor(() => gotRemote.length === 6 && gotLocal.length === 6, 5000, 'six messages on each side');
        // Sentinel from the local side, after everything else: an echo of the first five would be ahead of it.
        edge.broker.publish('sync/end', 'end', { qos: 1 });
        await waitFor(() => gotRemote.some((m) => m.topic === 'sync/end'), 3000, 'sentinel at Mosquitto');
        await waitFor(() => bridgeStatus(edge.broker, 'mosq').queued === 0, 3000, 'acknowledged');
        // With 3.1.1 Mosquitto sends the bridge's own messages back; give them the time to arrive, then count.
        const sentinelBack = version === 4;
        if (sentinelBack) await remote.publishAsync('sync/last', 'last', { qos: 1 });
        await waitFor(() => !sentinelBack || gotLocal.some((m) => m.topic === 'sync/last'), 3000, 'last message in');
        assert.deepEqual(gotLocal.map((m) => m.payload.toString()).sort(), [...(sentinelBack ? ['last'] : []), 'd', 'end', 'u0', 'u1', 'u2', 'u3', 'u4'].sort());
        assert.equal(bridgeStatus(edge.broker, 'mosq').forwardedIn, sentinelBack ? 2 : 1);
      } finally {
        await endClient(local);
        await endClient(remote);
      }
    } finally {
      await edge.close();
      await mosq.remove();
    }
  });
}

test('Mosquitto stopped and restarted while messages are published locally: every QoS 1 message arrives after it returns', async () => {
  const mosq = await startMosquitto();
  const edge = await startBroker();
  try {
    await edge.broker.addBridge({ name: 'mosq', url: `mqtt://127.0.0.1:${mosq.port}`, topics: [{ filter: 'q/#', direction: 'out', qos: 1 }], reconnectDelay: 0.05, maxReconnectDelay: 0.3 });
    await waitConnected(edge.broker, 'mosq');
    // A persistent subscriber at Mosquitto (its session survives Mosquitto's restart through its persistence file).
    const subOptions = { protocolVersion: 4 as const, clientId: 'mosq-keeper', clean: false };
    let sub = await connectClient(mosq.port, subOptions);
    await sub.subscribeAsync('q/#', { qos: 1 });
    await endClient(sub);
    await mosq.stop();
    await waitFor(() => !bridgeStatus(edge.broker, 'mosq').connected, 3000, 'bridge to notice');
    for (let i = 0; i < 30; i++) edge.broker.publish('q/x', `m${i}`, { qos: 1 });
    await waitFor(() => bridgeStatus(edge.broker, 'mosq').queued === 30, 3000, '30 queued');
    await mosq.restart();
    await waitConnected(edge.broker, 'mosq');
    await waitFor(() => bridgeStatus(edge.broker, 'mosq').queued === 0, 5000, 'Mosquitto acknowledged all 30');
    // Collect from the first packet on: Mosquitto sends the stored messages right after CONNACK.
    const got: string[] = [];
    sub = mqtt.connect({ host: '127.0.0.1', port: mosq.port, reconnectPeriod: 0, ...subOptions });
    sub.on('message', (_topic, payload) => got.push(payload.toString()));
    await waitFor(() => got.length === 30, 5000, 'all 30 at the subscriber');
    assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => `m${i}`));
    await endClient(sub);
  } finally {
    await edge.close();
    await mosq.remove();
  }
});

test('TLS to Mosquitto with a test CA (mqtts://); without the CA the certificate is refused and the error is reported', async () => {
  const certs = createTestCertificates();
  const port = await freePort();
  const mosq = await startMosquitto([
    `listener ${port} 127.0.0.1`,
    `cafile ${join(certs.dir, 'ca.crt')}`,
    `certfile ${join(certs.dir, 'server.crt')}`,
    `keyfile ${join(certs.dir, 'server.key')}`,
  ]);
  const edge = await startBroker();
  try {
    await edge.broker.addBridge({
      name: 'secure',
      url: `mqtts://localhost:${port}`,
      tls: { ca: certs.caCert },
      topics: [{ filter: 't/#', direction: 'out', qos: 1 }],
    });
    await edge.broker.addBridge({ name: 'untrusted', url: `mqtts://localhost:${port}`, topics: [{ filter: 'u/#', direction: 'out', qos: 1 }], reconnectDelay: 10 });
    await waitConnected(edge.broker, 'secure');
    const sub = await connectClient(mosq.port, { protocolVersion: 5 });
    try {
      await sub.subscribeAsync('t/#', { qos: 1 });
      const got = collect(sub);
      edge.broker.publish('t/secure', 'over tls', { qos: 1 });
      await waitFor(() => got.length === 1, 3000, 'message over TLS');
      assert.equal(got[0]!.payload.toString(), 'over tls');
      await waitFor(() => bridgeStatus(edge.broker, 'untrusted').lastError !== null, 3000, 'TLS failure');
      assert.equal(bridgeStatus(edge.broker, 'untrusted').connected, false);
      assert.match(bridgeStatus(edge.broker, 'untrusted').lastError!, /certificate/i);
    } finally {
      await endClient(sub);
    }
  } finally {
    await edge.close();
    await mosq.remove();
    certs.remove();
  }
});
