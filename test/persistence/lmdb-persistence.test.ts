// LmdbPersistence on a real LMDB database in a temporary folder: records survive close/reopen, deletes remove what
// they should, and a broker (embedded, and the server built from a config with `storage: lmdb`) restarts with
// its retained messages, persistent sessions and subscriptions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger } from '../../src/server/create-logger.js';
import { SwiftletServer } from '../../src/server/create-server.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { LmdbPersistence } from '../../src/index.js';
import type { MessageRecord, SubscriptionRecord } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { PacketType } from '../../src/codec/types.js';
import { publishPacket, rawSession, receivePublishes } from '../broker/support.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-lmdb-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function subscription(clientId: string, topicFilter: string, qos: 0 | 1 | 2 = 1): SubscriptionRecord {
  return { clientId, topicFilter, qos, noLocal: false, retainAsPublished: true, retainHandling: 2, identifier: 7 };
}

/** A broker on port 0 whose storage is an LmdbPersistence on `path`. */
function startOn(path: string): Promise<TestBroker> {
  return startBroker({ sysInterval: 0 }, (b) => b.setPersistence(new LmdbPersistence({ path })));
}

describe('LmdbPersistence', () => {
  test('records survive close and reopen, with payload bytes and properties intact', async () => {
    const path = tempDir();
    const first = new LmdbPersistence({ path });
    const empty = await first.open();
    assert.deepEqual(empty, { sessions: [], subscriptions: [], retained: [], queued: [] });
    void first.saveSession({ clientId: 'a', protocolVersion: 5, expiryInterval: 300, disconnectedAt: 1234 });
    void first.saveSubscription(subscription('a', 'x/+'));
    void first.saveSubscription(subscription('a', '$share/g/y/#', 2));
    const socketChunk = Buffer.from('....payload....');
    const retained: MessageRecord = {
      topic: 'r/1',
      // A view into a larger buffer, as payloads off the socket are: only the view's bytes are stored.
      payload: socketChunk.subarray(4, 11),
      qos: 1,
      retain: true,
      properties: { contentType: 'text/plain', correlationData: Buffer.from([0, 1, 2]), userProperties: [['a', '1'], ['a', '2']], messageExpiryInterval: 60 },
      origin: 'pub',
      expiresAt: 0,
    };
    void first.saveRetained(retained);
    await first.flush();
    await first.close();

    const second = new LmdbPersistence({ path });
    const state = await second.open();
    assert.deepEqual(state.sessions, [{ clientId: 'a', protocolVersion: 5, expiryInterval: 300, disconnectedAt: 1234 }]);
    assert.deepEqual(
      state.subscriptions.map((s) => s.topicFilter).sort(),
      ['$share/g/y/#', 'x/+'],
    );
    assert.deepEqual(state.subscriptions.find((s) => s.topicFilter === 'x/+'), subscription('a', 'x/+'));
    assert.equal(state.retained.length, 1);
    const r = state.retained[0]!;
    assert.ok(Buffer.isBuffer(r.payload));
    assert.equal(r.payload.toString(), 'payload');
    assert.deepEqual({ ...r, payload: undefined }, { ...retained, payload: undefined });
    await second.close();
  });

  test('deleteSession removes the session and all its subscriptions, even ones saved just before; other clients keep theirs', async () => {
    const path = tempDir();
    const p = new LmdbPersistence({ path });
    await p.open();
    void p.saveSession({ clientId: 'a', protocolVersion: 4, expiryInterval: 60, disconnectedAt: 0 });
    void p.saveSession({ clientId: 'ab', protocolVersion: 4, expiryInterval: 60, disconnectedAt: 0 });
    void p.saveSubscription(subscription('ab', 'keep/#'));
    await p.flush();
    // Not yet committed when the delete is issued.
    void p.saveSubscription(subscription('a', 'one'));
    void p.saveSubscription(subscription('a', 'two/#'));
    void p.deleteSession('a');
    void p.saveRetained({ topic: 'gone', payload: Buffer.from('x'), qos: 0, retain: true, properties: {}, origin: null, expiresAt: 0 });
    void p.deleteRetained('gone');
    void p.saveSubscription(subscription('ab', 'drop'));
    void p.deleteSubscription('ab', 'drop');
    await p.close();
    const again = new LmdbPersistence({ path });
    const state = await again.open();
    assert.deepEqual(state.sessions.map((s) => s.clientId), ['ab']);
    assert.deepEqual(state.subscriptions.map((s) => `${s.clientId} ${s.topicFilter}`), ['ab keep/#']);
    assert.deepEqual(state.retained, []);
    await again.close();
  });

  test('an embedded broker restarted on the same database keeps retained messages, the session and its subscription [MQTT-3.1.2-4]', async () => {
    const path = tempDir();
    const start = (): Promise<TestBroker> => startOn(path);
    const first = await start();
    const keeper = await connectClient(first.port, { protocolVersion: 4, clientId: 'lmdb-keeper', clean: false });
    await keeper.subscribeAsync('lmdb/+', { qos: 1 });
    const pub = await connectClient(first.port, { protocolVersion: 5, clientId: 'lmdb-pub' });
    await pub.publishAsync('lmdb/r', 'kept', { qos: 1, retain: true });
    await pub.publishAsync('lmdb/cleared', 'x', { qos: 1, retain: true });
    await pub.publishAsync('lmdb/cleared', '', { qos: 1, retain: true });
    await endClient(pub);
    await endClient(keeper);
    await first.close();

    const second = await start();
    try {
      assert.deepEqual(second.broker.retained().map((m) => m.topic), ['lmdb/r']);
      const back = await connectClient(second.port, { protocolVersion: 4, clientId: 'lmdb-keeper', clean: false });
      const got = collect(back);
      const pub2 = await connectClient(second.port, { protocolVersion: 4, clientId: 'lmdb-pub2' });
      await pub2.publishAsync('lmdb/x', 'after restart', { qos: 1 });
      await waitFor(() => got.length === 1, 3000, 'delivery on the restored subscription');
      assert.equal(got[0]!.payload.toString(), 'after restart');
      assert.equal(got[0]!.packet.qos, 1);
      await endClient(pub2);
      await endClient(back);
    } finally {
      await second.close();
    }
  });

  test('a graceful restart keeps in-flight and queued messages: resent with DUP and the same packet id, then the queue in order, and a pending PUBREL [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.6.0-5]', async () => {
    const path = tempDir();
    const start = (): Promise<TestBroker> => startOn(path);
    const first = await start();
    const sub = await rawSession(first.port, 4, 'pend-sub', [{ topic: 'pend/#', qos: 2 }], { clean: false });
    const pub = await rawSession(first.port, 4, 'pend-pub');
    // m1 at QoS 1: received, never acknowledged. m2 at QoS 2: PUBREC sent, PUBREL received, no PUBCOMP.
    pub.send(publishPacket('pend/a', 'm1', 1, 1));
    await pub.expect(PacketType.PUBACK);
    const [m1] = await receivePublishes(sub, 1);
    pub.send(publishPacket('pend/a', 'm2', 2, 2));
    await pub.expect(PacketType.PUBREC);
    pub.send({ type: PacketType.PUBREL, packetId: 2, reasonCode: 0, properties: {} });
    await pub.expect(PacketType.PUBCOMP);
    const [m2] = await receivePublishes(sub, 1);
    sub.send({ type: PacketType.PUBREC, packetId: m2!.packetId, reasonCode: 0, properties: {} });
    await sub.expect(PacketType.PUBREL);
    sub.destroy();
    await waitFor(() => first.broker.client('pend-sub')?.connected === false, 2000, 'subscriber offline');
    // Published while the subscriber is offline: queued.
    for (const [i, text] of ['m3', 'm4', 'm5'].entries()) {
      pub.send(publishPacket('pend/b', text, 1, 10 + i));
      await pub.expect(PacketType.PUBACK);
    }
    pub.destroy();
    await first.close();

    const second = await start();
    try {
      const snapshot = second.broker.client('pend-sub');
      assert.ok(snapshot !== undefined);
      assert.equal(snapshot.inflight, 2);
      assert.equal(snapshot.queued, 3);
      const back = await RawClient.connect(second.port, 4);
      const ack = await back.handshake('pend-sub', { clean: false });
      assert.equal(ack.sessionPresent, true);
      const got: string[] = [];
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) {
        const p = await back.next(3000);
        assert.ok(p !== undefined, `packet ${i}`);
        if (p.type === PacketType.PUBREL) {
          assert.equal(p.packetId, m2!.packetId);
          got.push('PUBREL');
          back.send({ type: PacketType.PUBCOMP, packetId: p.packetId, reasonCode: 0, properties: {} });
          continue;
        }
        assert.equal(p.type, PacketType.PUBLISH);
        if (p.type !== PacketType.PUBLISH) return;
        if (p.payload.toString() === 'm1') {
          assert.equal(p.dup, true);
          assert.equal(p.packetId, m1!.packetId);
        }
        got.push(p.payload.toString());
        seen.push(p.packetId);
        back.send({ type: p.qos === 2 ? PacketType.PUBREC : PacketType.PUBACK, packetId: p.packetId, reasonCode: 0, properties: {} });
      }
      assert.deepEqual(got, ['m1', 'PUBREL', 'm3', 'm4', 'm5']);
      assert.equal(await back.quiet(200), true);
      back.destroy();
    } finally {
      await second.close();
    }
    // Everything was acknowledged before the second stop: a third start has nothing pending.
    const third = await start();
    try {
      const snapshot = third.broker.client('pend-sub');
      assert.equal(snapshot?.inflight, 0);
      assert.equal(snapshot?.queued, 0);
    } finally {
      await third.close();
    }
  });

  test('the server built from a config with storage type lmdb restores retained messages after a restart', async () => {
    const path = join(tempDir(), 'nested', 'db');
    const silent = createLogger({ level: 'silent', format: 'json' });
    async function start(): Promise<{ server: SwiftletServer; port: number }> {
      const { config, issues } = validateConfig({ listeners: [{ type: 'tcp', port: 0 }], sys: { interval: 0 }, storage: { type: 'lmdb', path, maxSizeMiB: 64 } });
      assert.deepEqual(issues, []);
      const server = await SwiftletServer.create(config, silent);
      const bound = await server.start();
      return { server, port: Number(bound[0]?.where.split(':').pop()) };
    }
    const first = await start();
    const pub = await connectClient(first.port, { protocolVersion: 4, clientId: 'cfg-pub' });
    await pub.publishAsync('cfg/r', 'from config', { qos: 1, retain: true });
    await endClient(pub);
    await first.server.close();

    const second = await start();
    try {
      const sub = await connectClient(second.port, { protocolVersion: 4, clientId: 'cfg-sub' });
      const got = collect(sub);
      await sub.subscribeAsync('cfg/#', { qos: 1 });
      await waitFor(() => got.length === 1, 3000, 'retained message');
      assert.equal(got[0]!.payload.toString(), 'from config');
      assert.equal(got[0]!.packet.retain, true);
      await endClient(sub);
    } finally {
      await second.server.close();
    }
  });
});
