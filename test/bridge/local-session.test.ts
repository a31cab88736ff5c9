// The bridge's local side: a trusted session `$bridge/<name>` (no authentication, no ACL) that no network client can
// take over; stale route subscriptions removed; message expiry counted down while a message waits; and a persistent
// session at the remote (cleanStart false) that keeps `in` messages while the bridge is away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, LmdbPersistence, TcpListener } from '../../src/index.js';
import type { InlineMessage } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { freePort } from '../helpers/ports.js';
import { bridgeStatus, waitConnected } from './support.js';

test('the local side bypasses authentication and ACLs that refuse everyone else', async () => {
  const remote = await startBroker();
  const edge = await startBroker({}, (b) => {
    void b.addHook({ id: 'deny-all', authenticate: () => 'deny', checkAcl: () => 'deny' });
  });
  try {
    await edge.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ filter: 'a/#', direction: 'both', qos: 1 }] });
    await waitConnected(edge.broker, 'r');
    await assert.rejects(connectClient(edge.port, { protocolVersion: 5 }), 'a normal client is refused');
    const got: InlineMessage[] = [];
    edge.broker.subscribe('a/#', (m) => got.push(m));
    const remoteGot: InlineMessage[] = [];
    remote.broker.subscribe('a/#', (m) => remoteGot.push(m));
    remote.broker.publish('a/in', 'in', { qos: 1 });
    edge.broker.publish('a/out', 'out', { qos: 1 });
    await waitFor(() => got.some((m) => m.topic === 'a/in') && remoteGot.some((m) => m.topic === 'a/out'), 3000, 'both directions');
    const local = edge.broker.client('$bridge/r');
    assert.ok(local !== undefined && local.connected);
    assert.deepEqual(local.subscriptions, [{ filter: 'a/#', qos: 1 }]);
  } finally {
    await edge.close();
    await remote.close();
  }
});

test('a network client cannot use a $bridge/ client id (CONNACK 0x85), so the bridge session is never taken over', async () => {
  const remote = await startBroker();
  const edge = await startBroker();
  try {
    await edge.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ filter: 'a/#', direction: 'out', qos: 1 }] });
    await waitConnected(edge.broker, 'r');
    for (const version of [5, 4] as const) {
      const raw = await RawClient.connect(edge.port, version);
      const connack = await raw.handshake('$bridge/r');
      assert.equal(connack.reasonCode, version === 5 ? 0x85 : 2);
      await raw.waitClosed();
    }
    assert.equal(edge.broker.client('$bridge/r')?.connected, true);
  } finally {
    await edge.close();
    await remote.close();
  }
});

test('after a restart with durable storage, subscriptions of routes no longer configured are removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-bridge-stale-'));
  const remote = await startBroker();
  try {
    const first = await startBroker({ id: 'edge', sysInterval: 0 }, (b) => b.setPersistence(new LmdbPersistence({ path: dir })));
    await first.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ filter: 'old/#', direction: 'out', qos: 1 }] });
    await waitConnected(first.broker, 'r');
    await first.close();
    const second = await startBroker({ id: 'edge', sysInterval: 0 }, (b) => b.setPersistence(new LmdbPersistence({ path: dir })));
    try {
      await second.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ filter: 'new/#', direction: 'out', qos: 1 }] });
      await waitConnected(second.broker, 'r');
      assert.deepEqual(second.broker.client('$bridge/r')?.subscriptions, [{ filter: 'new/#', qos: 1 }]);
    } finally {
      await second.close();
    }
  } finally {
    await remote.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a message held for a remote that is down expires there: dropped when its expiry ran out, else sent with the time left', async () => {
  const port = await freePort();
  const edge = await startBroker();
  let remote: Broker | undefined;
  try {
    await edge.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${port}`, topics: [{ filter: 'e/#', direction: 'out', qos: 1 }], reconnectDelay: 0.05, maxReconnectDelay: 0.1 });
    edge.broker.publish('e/short', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    edge.broker.publish('e/long', 'long', { qos: 1, properties: { messageExpiryInterval: 600 } });
    await waitFor(() => bridgeStatus(edge.broker, 'r').queued === 2, 3000, 'two held');
    // Let the one-second expiry run out while the remote is down (waiting on the clock is the point of this test).
    await new Promise((r) => setTimeout(r, 1100));
    const got: InlineMessage[] = [];
    remote = new Broker();
    remote.subscribe('e/#', (m) => got.push(m));
    await remote.addListener(new TcpListener({ host: '127.0.0.1', port }));
    await remote.serve();
    await waitFor(() => got.length === 1 && bridgeStatus(edge.broker, 'r').queued === 0, 3000, 'the long-lived message');
    assert.equal(got[0]!.topic, 'e/long');
    const left = got[0]!.properties.messageExpiryInterval!;
    assert.ok(left <= 599 && left > 500, `expiry left ${left}`);
    assert.equal(bridgeStatus(edge.broker, 'r').dropped, 1);
  } finally {
    await edge.close();
    await remote?.close();
  }
});

test('cleanStart false: the remote keeps `in` messages while the bridge is away, delivered when it returns', async () => {
  const remote = await startBroker();
  const bridge = { name: 'r', url: `mqtt://127.0.0.1:${remote.port}`, clientId: 'edge-persistent', cleanStart: false, topics: [{ filter: 'cmd/#', direction: 'in' as const, qos: 2 as const }] };
  try {
    const first = await startBroker();
    await first.broker.addBridge(bridge);
    await waitConnected(first.broker, 'r');
    await first.close();
    for (let i = 0; i < 5; i++) remote.broker.publish('cmd/x', `c${i}`, { qos: (1 + (i % 2)) as 1 | 2 });
    const second = await startBroker();
    try {
      const got: InlineMessage[] = [];
      second.broker.subscribe('cmd/#', (m) => got.push(m));
      await second.broker.addBridge(bridge);
      await waitFor(() => got.length === 5, 3000, 'five commands');
      assert.deepEqual(got.map((m) => [m.payload.toString(), m.qos]), [['c0', 1], ['c1', 2], ['c2', 1], ['c3', 2], ['c4', 1]]);
    } finally {
      await second.close();
    }
  } finally {
    await remote.close();
  }
});

test('addBridge refuses bad options and duplicate names; removeBridge stops one', async () => {
  const remote = await startBroker();
  const edge = await startBroker();
  try {
    const ok = { name: 'r', url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ filter: 'a/#', direction: 'out' as const }] };
    await assert.rejects(edge.broker.addBridge({ ...ok, name: 'a/b' }), { code: 'SWIFTLET_ERR_OPTIONS_INVALID', message: 'bridge "a/b": name must be letters, digits, _ . or -' });
    await assert.rejects(edge.broker.addBridge({ ...ok, url: 'http://x' }), { code: 'SWIFTLET_ERR_OPTIONS_INVALID', message: 'bridge "r": url scheme must be mqtt:, mqtts:, ws: or wss:, not http:' });
    await assert.rejects(edge.broker.addBridge({ ...ok, topics: [{ filter: 'a/#/b', direction: 'out' }] }), { code: 'SWIFTLET_ERR_OPTIONS_INVALID' });
    await edge.broker.addBridge(ok);
    await assert.rejects(edge.broker.addBridge(ok), { code: 'SWIFTLET_ERR_BRIDGE_DUPLICATE_NAME' });
    await waitConnected(edge.broker, 'r');
    assert.equal(edge.broker.removeBridge('r'), true);
    assert.equal(edge.broker.removeBridge('r'), false);
    assert.deepEqual(edge.broker.bridges(), []);
    await waitFor(() => remote.broker.clients().every((c) => !c.connected), 3000, 'remote side closed');
  } finally {
    await edge.close();
    await remote.close();
  }
});

test('a local side refused by the broker (maximumClients reached) is retried, and serve() is not affected', async () => {
  const remote = await startBroker();
  const edge = await startBroker({ capabilities: { maximumClients: 1 } });
  const occupant = await connectClient(edge.port, { protocolVersion: 5 });
  try {
    await edge.broker.addBridge({ name: 'r', url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ filter: 'a/#', direction: 'out', qos: 1 }] });
    await waitFor(() => bridgeStatus(edge.broker, 'r').lastError !== null, 3000, 'local refusal');
    assert.match(bridgeStatus(edge.broker, 'r').lastError!, /^local side: connection refused with reason code 0x89/);
    await endClient(occupant);
    await waitConnected(edge.broker, 'r');
  } finally {
    await edge.close();
    await remote.close();
  }
});
