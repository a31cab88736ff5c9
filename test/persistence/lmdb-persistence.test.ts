// LmdbPersistence on a real LMDB database in a temporary folder (the record contract is in contract.test.ts): folders
// that are not Swiftlet's are refused, and a broker (embedded, and the server built from a config with
// `storage: lmdb`) restarts with its retained messages, persistent sessions, subscriptions and pending messages.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger } from '../../src/server/create-logger.js';
import { SwiftletServer } from '../../src/server/create-server.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { LmdbPersistence } from '../../src/index.js';
import type { SwiftletError } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { PacketType } from '../../src/codec/types.js';
import { publishPacket } from '../helpers/packets.js';
import { rawSession, receivePublishes } from '../helpers/raw-session.js';
import { crashConfig, startBrokerProcess } from '../helpers/broker-process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-lmdb-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A broker on port 0 whose storage is an LmdbPersistence on `path`. */
function startOn(path: string): Promise<TestBroker> {
  return startBroker({ sysInterval: 0 }, (b) => b.setPersistence(new LmdbPersistence({ path })));
}

describe('LmdbPersistence', () => {
  test('a folder of other files, a corrupt data file and a foreign LMDB database are refused with a clear message', async () => {
    const other = tempDir();
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await assert.rejects(new LmdbPersistence({ path: other }).open(), (err: SwiftletError) => {
      assert.equal(err.code, 'SWIFTLET_ERR_STORAGE_FORMAT');
      assert.match(err.message, /holds files that are not an LMDB database \(notes\.txt\)/);
      return true;
    });

    const corrupt = tempDir();
    writeFileSync(join(corrupt, 'data.mdb'), Buffer.alloc(20_000, 0x5a));
    await assert.rejects(new LmdbPersistence({ path: corrupt }).open(), (err: SwiftletError) => {
      assert.equal(err.code, 'SWIFTLET_ERR_STORAGE_FORMAT');
      assert.match(err.message, /data\.mdb is not an LMDB database file \(corrupt\?\); refusing to open it/);
      return true;
    });

    const foreign = tempDir();
    const { open } = await import('lmdb');
    const db = open({ path: foreign, maxDbs: 4 });
    await db.openDB({ name: 'invoices' }).put('1', { total: 3 });
    await db.close();
    await assert.rejects(new LmdbPersistence({ path: foreign }).open(), (err: SwiftletError) => {
      assert.equal(err.code, 'SWIFTLET_ERR_STORAGE_FORMAT');
      assert.match(err.message, /not Swiftlet's/);
      return true;
    });

    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    await assert.rejects(new LmdbPersistence({ path: file }).open(), /is not a folder/);
  });

  test('the swiftlet command refuses a corrupt data folder at start with a clear message and exit code 1', async () => {
    const corrupt = tempDir();
    writeFileSync(join(corrupt, 'data.mdb'), Buffer.alloc(20_000, 0x5a));
    await assert.rejects(startBrokerProcess(join(tempDir(), 'corrupt.yaml'), crashConfig(`type: lmdb\npath: ${corrupt}`)), (err: Error) => {
      assert.match(err.message, /exited with 1/);
      assert.match(err.message, /swiftlet: cannot start: .*data\.mdb is not an LMDB database file \(corrupt\?\); refusing to open it/);
      return true;
    });
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
    const sub = await rawSession(first.port, 4, 'pend-sub', { subscribe: [{ topic: 'pend/#', qos: 2 }], connect: { clean: false } });
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
