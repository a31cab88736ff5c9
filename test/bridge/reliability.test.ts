// Outbound queueing: the remote stopped and started again while messages are published locally (every QoS 1 message
// arrives once it is back, in order); Swiftlet itself restarted with durable storage while the remote is down; the
// bound of the queue and its counted drops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, LmdbPersistence, TcpListener } from '../../src/index.js';
import type { BrokerOptions, InlineMessage } from '../../src/index.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import { freePort } from '../helpers/ports.js';
import { bridgeStatus, waitConnected } from './support.js';

/** A broker on a fixed port, with an inline subscriber on `filter` attached before it accepts anything. */
async function remoteOn(port: number, filter: string, got: InlineMessage[], options: BrokerOptions = {}): Promise<Broker> {
  const broker = new Broker({ sweepInterval: 100, ...options });
  broker.subscribe(filter, (m) => got.push(m), { qos: 2 });
  await broker.addListener(new TcpListener({ id: 'tcp', host: '127.0.0.1', port }));
  await broker.serve();
  return broker;
}

test('remote stopped and restarted while messages are published locally: all QoS 1 arrive after it returns, in order', async () => {
  const port = await freePort();
  const got: InlineMessage[] = [];
  let remote = await remoteOn(port, 'out/#', got);
  const edge = await startBroker();
  await edge.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${port}`, topics: [{ filter: 'q/#', direction: 'out', qos: 1, remotePrefix: 'out/' }], reconnectDelay: 0.05, maxReconnectDelay: 0.2, maxInflight: 10 });
  try {
    await waitConnected(edge.broker, 'r');
    edge.broker.publish('q/a', 'before', { qos: 1 });
    await waitFor(() => got.length === 1, 3000, 'first message');
    await remote.close(100);
    await waitFor(() => !bridgeStatus(edge.broker, 'r').connected, 3000, 'bridge to notice');
    // 50 messages while the remote is down: 10 held by the bridge, 40 in its local session's queue.
    for (let i = 0; i < 50; i++) edge.broker.publish('q/b', `m${i}`, { qos: 1 });
    edge.broker.publish('q/zero', 'lost', { qos: 0 });
    await waitFor(() => bridgeStatus(edge.broker, 'r').queued === 50, 3000, '50 queued');
    await waitFor(() => bridgeStatus(edge.broker, 'r').dropped === 1, 3000, 'the QoS 0 message counted as dropped');
    assert.notEqual(bridgeStatus(edge.broker, 'r').lastError, null);

    remote = await remoteOn(port, 'out/#', got);
    await waitConnected(edge.broker, 'r');
    await waitFor(() => got.length === 51, 5000, 'all 50 queued messages');
    assert.deepEqual(got.slice(1).map((m) => m.payload.toString()), Array.from({ length: 50 }, (_, i) => `m${i}`));
    assert.ok(got.every((m) => m.topic.startsWith('out/q/') && m.qos === 1));
    await waitFor(() => bridgeStatus(edge.broker, 'r').queued === 0, 3000, 'queue emptied after the acknowledgements');
    const s = bridgeStatus(edge.broker, 'r');
    assert.equal(s.forwardedOut, 51);
    assert.equal(s.connects, 2);
  } finally {
    await edge.close();
    await remote.close();
  }
});

test('the outbound queue is bounded: beyond the bridge window and maximumQueuedMessages, messages are dropped and counted', async () => {
  const port = await freePort();
  const edge = await startBroker({ capabilities: { maximumQueuedMessages: 5 } });
  await edge.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${port}`, topics: [{ filter: 'q/#', direction: 'out', qos: 1 }], reconnectDelay: 0.05, maxReconnectDelay: 0.1, maxInflight: 3 });
  const got: InlineMessage[] = [];
  let remote: Broker | undefined;
  try {
    for (let i = 0; i < 20; i++) edge.broker.publish('q/x', `m${i}`, { qos: 1 });
    // 3 held by the bridge + 5 queued in its local session; 12 dropped.
    await waitFor(() => bridgeStatus(edge.broker, 'r').dropped === 12, 3000, '12 drops');
    assert.equal(bridgeStatus(edge.broker, 'r').queued, 8);
    remote = await remoteOn(port, 'q/#', got);
    await waitFor(() => got.length === 8, 5000, 'the 8 kept messages');
    assert.deepEqual(got.map((m) => m.payload.toString()), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  } finally {
    await edge.close();
    await remote?.close();
  }
});

test('Swiftlet restarted with durable storage while the remote is down: the queued QoS 1 and 2 messages are sent after both are back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-bridge-lmdb-'));
  const port = await freePort();
  const bridge = { name: 'r', url: `mqtt://127.0.0.1:${port}`, topics: [{ filter: 'd/#', direction: 'out' as const, qos: 2 as const }], reconnectDelay: 0.05, maxReconnectDelay: 0.2, maxInflight: 4 };
  const got: InlineMessage[] = [];
  let remote: Broker | undefined;
  const edgeOptions = { id: 'edge-node', sysInterval: 0 };
  try {
    const first = await startBroker(edgeOptions, (b) => b.setPersistence(new LmdbPersistence({ path: dir })));
    await first.broker.addBridge(bridge);
    for (let i = 0; i < 10; i++) first.broker.publish('d/x', `m${i}`, { qos: (1 + (i % 2)) as 1 | 2 });
    await waitFor(() => bridgeStatus(first.broker, 'r').queued === 10, 3000, '10 queued');
    await first.close();

    const second = await startBroker(edgeOptions, (b) => b.setPersistence(new LmdbPersistence({ path: dir })));
    try {
      await second.broker.addBridge(bridge);
      await waitFor(() => bridgeStatus(second.broker, 'r').queued === 10, 3000, '10 queued again after the restart');
      remote = await remoteOn(port, 'd/#', got);
      await waitConnected(second.broker, 'r');
      await waitFor(() => got.length >= 10, 5000, 'the 10 messages from before the restart');
      await waitFor(() => bridgeStatus(second.broker, 'r').queued === 0, 3000, 'queue empty');
      assert.deepEqual(got.map((m) => m.payload.toString()), Array.from({ length: 10 }, (_, i) => `m${i}`));
      assert.deepEqual(got.map((m) => m.qos), [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
    } finally {
      await second.close();
    }
  } finally {
    await remote?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
