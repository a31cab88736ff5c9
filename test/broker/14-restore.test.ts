// Restart with a durable Persistence: serve() restores sessions, subscriptions, queued and retained messages from
// what open() returns, and leaves out what expired while the broker was down. Uses the MapPersistence of
// examples/gomqtt-backend.ts, which keeps its records for the life of the object (one object, two brokers).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { connectClient, endClient, collect, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { MapPersistence } from '../../examples/gomqtt-backend.js';
import { createMessage } from '../../src/routing/message.js';

/** Starts a broker on port 0 with `persistence` set before serve(), as an embedding program would. */
function startWith(persistence: MapPersistence): Promise<TestBroker> {
  return startBroker({ sysInterval: 0 }, (b) => b.setPersistence(persistence));
}

describe('restore after restart', () => {
  test('retained messages, a persistent session and its subscription survive a restart [MQTT-3.1.2-4] [MQTT-3.3.1-5]', async () => {
    const persistence = new MapPersistence();
    const first = await startWith(persistence);
    const keeper = await connectClient(first.port, { protocolVersion: 5, clientId: 'restore-keeper', clean: false, properties: { sessionExpiryInterval: 300 } });
    await keeper.subscribeAsync('restore/+', { qos: 1 });
    const pub = await connectClient(first.port, { protocolVersion: 5, clientId: 'restore-pub' });
    await pub.publishAsync('restore/r', 'kept', { qos: 1, retain: true, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    await endClient(pub);
    await endClient(keeper);
    await first.close();

    const second = await startWith(persistence);
    try {
      // A new subscriber gets the retained message from before the restart.
      const fresh = await connectClient(second.port, { protocolVersion: 5, clientId: 'restore-fresh' });
      const freshGot = collect(fresh);
      await fresh.subscribeAsync('restore/#', { qos: 1 });
      await waitFor(() => freshGot.length === 1, 3000, 'retained message');
      assert.equal(freshGot[0]!.payload.toString(), 'kept');
      assert.equal(freshGot[0]!.packet.retain, true);
      assert.equal(freshGot[0]!.packet.properties?.contentType, 'text/plain');
      assert.deepEqual({ ...freshGot[0]!.packet.properties?.userProperties }, { k: 'v' });
      await endClient(fresh);

      // The persistent session is present and its subscription still delivers, without subscribing again.
      const back = await connectClient(second.port, { protocolVersion: 5, clientId: 'restore-keeper', clean: false, properties: { sessionExpiryInterval: 300 } });
      const backGot = collect(back);
      const snapshot = second.broker.clients().find((c) => c.id === 'restore-keeper');
      assert.ok(snapshot !== undefined && snapshot.connected);
      assert.ok(snapshot.subscriptions.some((s) => s.filter === 'restore/+' && s.qos === 1));
      const pub2 = await connectClient(second.port, { protocolVersion: 5, clientId: 'restore-pub2' });
      await pub2.publishAsync('restore/x', 'after restart', { qos: 1 });
      await waitFor(() => backGot.some((m) => m.topic === 'restore/x'), 3000, 'delivery on the restored subscription');
      const m = backGot.find((x) => x.topic === 'restore/x')!;
      assert.equal(m.payload.toString(), 'after restart');
      assert.equal(m.packet.qos, 1);
      await endClient(pub2);
      await endClient(back);
    } finally {
      await second.close();
    }
  });

  test('sessions and messages that expired while the broker was down are not restored [MQTT-3.1.2-23] [MQTT-3.3.2-5]', async () => {
    const persistence = new MapPersistence();
    const now = Date.now();
    persistence.saveSession({ clientId: 'gone', protocolVersion: 5, expiryInterval: 1, disconnectedAt: now - 10_000 });
    persistence.saveSubscription({ clientId: 'gone', topicFilter: 'exp/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, identifier: 0 });
    persistence.saveSession({ clientId: 'alive', protocolVersion: 4, expiryInterval: 0xffffffff, disconnectedAt: now - 10_000 });
    persistence.saveRetained(createMessage('exp/old', Buffer.from('old'), 1, true, { messageExpiryInterval: 1 }, null, now - 1000));
    persistence.saveRetained(createMessage('exp/new', Buffer.from('new'), 1, true, {}, null, 0));
    const queued = { clientId: 'alive', qos: 1, retain: false, subscriptionIds: undefined, packetId: 0, released: false } as const;
    persistence.saveDelivery({ ...queued, seq: 1, message: createMessage('exp/q', Buffer.from('queued'), 1, false, {}, null, 0) });
    persistence.saveDelivery({ ...queued, seq: 2, message: createMessage('exp/q', Buffer.from('stale'), 1, false, {}, null, now - 1) });
    const tb = await startWith(persistence);
    try {
      assert.equal(persistence.store.sessions.has('gone'), false, 'the expired session is deleted from storage');
      const ids = tb.broker.clients().map((c) => c.id).sort();
      assert.deepEqual(ids, ['alive']);
      // The live session gets its queued message (and not the expired one) when it comes back.
      // Listen before CONNACK: the queued message follows it in the same read.
      const alive = mqtt.connect({ host: '127.0.0.1', port: tb.port, protocolVersion: 4, clientId: 'alive', clean: false, reconnectPeriod: 0 });
      const got = collect(alive);
      await new Promise<void>((resolve, reject) => {
        alive.once('connect', () => resolve());
        alive.once('error', reject);
      });
      await waitFor(() => got.length >= 1, 3000, 'queued message');
      assert.equal(await new Promise((r) => setTimeout(() => r(got.length), 200)), 1);
      assert.equal(got[0]!.payload.toString(), 'queued');
      await alive.subscribeAsync('exp/#', { qos: 1 });
      await waitFor(() => got.length >= 2, 3000, 'retained message');
      assert.equal(await new Promise((r) => setTimeout(() => r(got.length), 200)), 2, 'only the unexpired retained message');
      assert.equal(got[1]!.payload.toString(), 'new');
      await endClient(alive);
    } finally {
      await tb.close();
    }
  });
});
