// Loop prevention: two Swiftlets bridged to each other with `direction: both` on the same topics do not ping-pong,
// and a single `both` bridge never sends a message back where it came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BRIDGE_VIA_PROPERTY } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { bridgeStatus, waitConnected } from './support.js';

test('one bridge with direction both: each message reaches the other broker exactly once and never comes back', async () => {
  const a = await startBroker();
  const b = await startBroker();
  await a.broker.addBridge({ name: 'to-b', url: `mqtt://127.0.0.1:${b.port}`, topics: [{ filter: 'sync/#', direction: 'both', qos: 1 }] });
  await waitConnected(a.broker, 'to-b');
  const subA = await connectClient(a.port, { protocolVersion: 5 });
  const subB = await connectClient(b.port, { protocolVersion: 5 });
  try {
    await subA.subscribeAsync('sync/#', { qos: 1 });
    await subB.subscribeAsync('sync/#', { qos: 1 });
    const atA = collect(subA);
    const atB = collect(subB);
    a.broker.publish('sync/from-a', 'a', { qos: 1 });
    b.broker.publish('sync/from-b', 'b', { qos: 1 });
    // Sentinels published after the others: once both arrived on both sides, any echo would have arrived too
    // (each broker delivers one publisher's messages in order, and the bridge forwards in order).
    await waitFor(() => atA.length >= 2 && atB.length >= 2, 3000, 'first round');
    a.broker.publish('sync/end-a', 'end', { qos: 1 });
    b.broker.publish('sync/end-b', 'end', { qos: 1 });
    await waitFor(() => atA.some((m) => m.topic === 'sync/end-b') && atB.some((m) => m.topic === 'sync/end-a'), 3000, 'sentinels');
    await waitFor(() => atA.length === 4 && atB.length === 4, 3000, 'four messages on each side');
    assert.deepEqual(atA.map((m) => m.topic).sort(), ['sync/end-a', 'sync/end-b', 'sync/from-a', 'sync/from-b']);
    assert.deepEqual(atB.map((m) => m.topic).sort(), ['sync/end-a', 'sync/end-b', 'sync/from-a', 'sync/from-b']);
    const s = bridgeStatus(a.broker, 'to-b');
    assert.equal(s.forwardedOut, 2);
    assert.equal(s.forwardedIn, 2);
  } finally {
    await endClient(subA);
    await endClient(subB);
    await a.close();
    await b.close();
  }
});

test('two brokers bridged to each other both ways on the same topics: no ping-pong, no echo to the publisher side', async () => {
  const a = await startBroker();
  const b = await startBroker();
  const topics = [{ filter: 'sync/#', direction: 'both', qos: 2 }] as const;
  await a.broker.addBridge({ name: 'to-b', url: `mqtt://127.0.0.1:${b.port}`, topics: [...topics] });
  await b.broker.addBridge({ name: 'to-a', url: `mqtt://127.0.0.1:${a.port}`, topics: [...topics] });
  await waitConnected(a.broker, 'to-b');
  await waitConnected(b.broker, 'to-a');
  const subA = await connectClient(a.port, { protocolVersion: 5 });
  const subB = await connectClient(b.port, { protocolVersion: 5 });
  const pubA = await connectClient(a.port, { protocolVersion: 5 });
  try {
    await subA.subscribeAsync('sync/#', { qos: 2 });
    await subB.subscribeAsync('sync/#', { qos: 2 });
    const atA = collect(subA);
    const atB = collect(subB);
    for (let i = 0; i < 5; i++) await pubA.publishAsync('sync/x', `m${i}`, { qos: 2 });
    // B gets each message twice: A's bridge pushes it and B's bridge pulls it (both are configured to carry it).
    await waitFor(() => atB.length === 10, 5000, 'ten copies at B');
    await pubA.publishAsync('sync/end', 'end', { qos: 2 });
    await waitFor(() => atB.filter((m) => m.topic === 'sync/end').length === 2, 5000, 'sentinel at B');
    // Each broker routes a message at most once: A's subscriber saw each of its own messages once, and the bridges
    // stopped: forwarding counters equal the messages published, not more.
    assert.deepEqual(atA.map((m) => m.payload.toString()), ['m0', 'm1', 'm2', 'm3', 'm4', 'end']);
    assert.equal(atB.length, 12);
    for (const m of atB) {
      const via = (m.packet.properties?.userProperties)?.[BRIDGE_VIA_PROPERTY];
      assert.equal(via, a.broker.id, 'both copies at B name A as the broker that routed them');
    }
    const ab = bridgeStatus(a.broker, 'to-b');
    const ba = bridgeStatus(b.broker, 'to-a');
    await waitFor(() => bridgeStatus(a.broker, 'to-b').queued === 0 && bridgeStatus(b.broker, 'to-a').queued === 0, 3000, 'queues empty');
    assert.equal(ab.forwardedOut, 6, 'A pushed each message once');
    assert.equal(ba.forwardedIn, 6, 'B pulled each message once');
    assert.equal(ba.forwardedOut, 0, 'B sent nothing back to A');
    assert.equal(ab.forwardedIn, 0, 'A took nothing back from B');
  } finally {
    for (const c of [subA, subB, pubA]) await endClient(c);
    await a.close();
    await b.close();
  }
});
