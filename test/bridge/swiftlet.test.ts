// A bridge between two Swiftlet brokers: both directions at QoS 0/1/2 with prefixes, 5.0 properties and the retain
// flag carried across, over TCP and WebSocket; the remote restarted while messages are published locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { WebSocketListener } from '../../src/index.js';
import type { BridgeOptions, QoS } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { bridgeStatus, waitConnected } from './support.js';

const TOPICS: BridgeOptions['topics'] = [
  { filter: 'sensors/#', direction: 'out', qos: 2, remotePrefix: 'edge-1/' },
  { filter: 'commands/#', direction: 'in', qos: 2, localPrefix: 'cloud/' },
];

async function pair(url: (remote: TestBroker) => string, extra: Partial<BridgeOptions> = {}): Promise<{ edge: TestBroker; cloud: TestBroker; close(): Promise<void> }> {
  const cloud = await startBroker();
  const edge = await startBroker();
  await edge.broker.addBridge({ name: 'cloud', url: url(cloud), topics: TOPICS, reconnectDelay: 0.05, maxReconnectDelay: 0.2, ...extra });
  await waitConnected(edge.broker, 'cloud');
  return {
    edge,
    cloud,
    async close() {
      await edge.close();
      await cloud.close();
    },
  };
}

async function subscribe(client: MqttClient, filter: string): Promise<void> {
  await client.subscribeAsync(filter, { qos: 2 });
}

for (const version of [5, 4] as const) {
  test(`v${version} remote: local → remote and remote → local at QoS 0, 1 and 2, prefixes added and removed`, async () => {
    const ctx = await pair((c) => `mqtt://127.0.0.1:${c.port}`, { protocolVersion: version });
    const { edge, cloud } = ctx;
    const cloudSub = await connectClient(cloud.port, { protocolVersion: 5 });
    const edgeSub = await connectClient(edge.port, { protocolVersion: 5 });
    const edgePub = await connectClient(edge.port, { protocolVersion: 5 });
    const cloudPub = await connectClient(cloud.port, { protocolVersion: 5 });
    try {
      await subscribe(cloudSub, 'edge-1/#');
      await subscribe(edgeSub, 'cloud/#');
      const atCloud = collect(cloudSub);
      const atEdge = collect(edgeSub);
      for (const qos of [0, 1, 2] as QoS[]) {
        await edgePub.publishAsync(`sensors/t${qos}`, `out-${qos}`, { qos });
        await cloudPub.publishAsync(`commands/c${qos}`, `in-${qos}`, { qos });
      }
      await waitFor(() => atCloud.length === 3 && atEdge.length === 3, 5000, 'all six messages');
      assert.deepEqual(
        atCloud.map((m) => [m.topic, m.payload.toString(), m.packet.qos]),
        [
          ['edge-1/sensors/t0', 'out-0', 0],
          ['edge-1/sensors/t1', 'out-1', 1],
          ['edge-1/sensors/t2', 'out-2', 2],
        ],
      );
      assert.deepEqual(
        atEdge.map((m) => [m.topic, m.payload.toString(), m.packet.qos]),
        [
          ['cloud/commands/c0', 'in-0', 0],
          ['cloud/commands/c1', 'in-1', 1],
          ['cloud/commands/c2', 'in-2', 2],
        ],
      );
      const s = bridgeStatus(edge.broker, 'cloud');
      assert.equal(s.forwardedOut, 3);
      assert.equal(s.forwardedIn, 3);
      assert.equal(s.dropped, 0);
      await waitFor(() => bridgeStatus(edge.broker, 'cloud').queued === 0, 3000, 'queue to empty');
    } finally {
      for (const c of [cloudSub, edgeSub, edgePub, cloudPub]) await endClient(c);
      await ctx.close();
    }
  });
}

test('the route QoS caps the forwarded QoS (the lower of message and route)', async () => {
  const ctx = await pair((c) => `mqtt://127.0.0.1:${c.port}`, {
    topics: [{ filter: 'low/#', direction: 'out', qos: 1 }],
  });
  const { edge, cloud } = ctx;
  const cloudSub = await connectClient(cloud.port, { protocolVersion: 5 });
  const edgePub = await connectClient(edge.port, { protocolVersion: 5 });
  try {
    await subscribe(cloudSub, 'low/#');
    const got = collect(cloudSub);
    await edgePub.publishAsync('low/a', 'two', { qos: 2 });
    await edgePub.publishAsync('low/b', 'zero', { qos: 0 });
    await waitFor(() => got.length === 2, 3000, 'two messages');
    assert.deepEqual(got.map((m) => [m.topic, m.packet.qos]), [['low/a', 1], ['low/b', 0]]);
  } finally {
    await endClient(cloudSub);
    await endClient(edgePub);
    await ctx.close();
  }
});

test('5.0 properties and the retain flag are carried across, both ways', async () => {
  const ctx = await pair((c) => `mqtt://127.0.0.1:${c.port}`);
  const { edge, cloud } = ctx;
  const edgePub = await connectClient(edge.port, { protocolVersion: 5 });
  const cloudPub = await connectClient(cloud.port, { protocolVersion: 5 });
  try {
    const properties = { contentType: 'text/plain', userProperties: { k: 'v' }, responseTopic: 'reply/here', correlationData: Buffer.from('c1'), payloadFormatIndicator: true };
    await edgePub.publishAsync('sensors/r', 'kept', { qos: 1, retain: true, properties });
    await cloudPub.publishAsync('commands/r', 'kept-in', { qos: 1, retain: true, properties });
    // The retained copies arrive at late subscribers on the other side.
    await waitFor(() => cloud.broker.retainedMessage('edge-1/sensors/r') !== undefined && edge.broker.retainedMessage('cloud/commands/r') !== undefined, 3000, 'retained on both sides');
    const cloudSub = await connectClient(cloud.port, { protocolVersion: 5 });
    const edgeSub = await connectClient(edge.port, { protocolVersion: 5 });
    const atCloud = collect(cloudSub);
    const atEdge = collect(edgeSub);
    await subscribe(cloudSub, 'edge-1/sensors/r');
    await subscribe(edgeSub, 'cloud/commands/r');
    await waitFor(() => atCloud.length === 1 && atEdge.length === 1, 3000, 'retained deliveries');
    for (const m of [atCloud[0]!, atEdge[0]!]) {
      assert.equal(m.packet.retain, true);
      const p = m.packet.properties!;
      assert.equal(p.contentType, 'text/plain');
      assert.equal(p.responseTopic, 'reply/here');
      assert.equal(p.correlationData?.toString(), 'c1');
      assert.equal(p.payloadFormatIndicator, true);
      assert.equal((p.userProperties as Record<string, unknown>).k, 'v');
    }
    await endClient(cloudSub);
    await endClient(edgeSub);
  } finally {
    await endClient(edgePub);
    await endClient(cloudPub);
    await ctx.close();
  }
});

test('over WebSocket (ws://), both directions', async () => {
  const cloud = await startBroker();
  const ws = new WebSocketListener({ id: 'ws', host: '127.0.0.1', port: 0 });
  await cloud.broker.addListener(ws);
  const address = ws.address() as { port: number };
  const edge = await startBroker();
  await edge.broker.addBridge({ name: 'cloud', url: `ws://127.0.0.1:${address.port}/mqtt`, topics: TOPICS, reconnectDelay: 0.05 });
  await waitConnected(edge.broker, 'cloud');
  const cloudSub = await connectClient(cloud.port, { protocolVersion: 5 });
  const edgeSub = await connectClient(edge.port, { protocolVersion: 5 });
  try {
    await subscribe(cloudSub, 'edge-1/#');
    await subscribe(edgeSub, 'cloud/#');
    const atCloud = collect(cloudSub);
    const atEdge = collect(edgeSub);
    edge.broker.publish('sensors/ws', 'over-ws', { qos: 1 });
    cloud.broker.publish('commands/ws', 'back-over-ws', { qos: 1 });
    await waitFor(() => atCloud.length === 1 && atEdge.length === 1, 3000, 'both messages');
    assert.equal(atCloud[0]!.topic, 'edge-1/sensors/ws');
    assert.equal(atEdge[0]!.payload.toString(), 'back-over-ws');
    assert.equal(cloud.broker.client(`${edge.broker.id}-cloud`)?.listenerId, 'ws');
  } finally {
    await endClient(cloudSub);
    await endClient(edgeSub);
    await edge.close();
    await cloud.close();
  }
});
