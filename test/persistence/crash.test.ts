// Crash tests, as users would lose data: the `swiftlet` command runs as a child process on LMDB or on a real
// redis-server (AOF, appendfsync always), and is killed with SIGKILL mid-stream (while group commits run), and
// between PUBREC and PUBREL. After a restart on the same storage every message that was acknowledged to its publisher
// is delivered, in order; QoS 2 is delivered exactly once; retained messages and subscriptions are intact. Redis
// itself is killed and restarted under a running broker: publishes are refused (0x80) while it is away, persistent
// sessions are refused (CONNACK 0x88), and the broker resumes by itself when it returns.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mqtt from 'mqtt';
import { PacketType, ReasonCode } from '../../src/index.js';
import { collect, connectClient, endClient, waitFor } from '../helpers/broker.js';
import { crashConfig, startBrokerProcess } from '../helpers/broker-process.js';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { publishPacket, subscribePacket } from '../helpers/packets.js';
import { rawSession } from '../helpers/raw-session.js';
import { startRedisServer } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

const root = mkdtempSync(join(tmpdir(), 'swiftlet-crash-'));
let redis: RedisServer | undefined;
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis?.destroy();
  rmSync(root, { recursive: true, force: true });
});

interface Backend {
  name: string;
  /** The `storage:` section for a fresh store named `tag`. */
  storage(tag: string): string;
  /** Extra crash on top of the broker's: the store's own process is killed and restarted (Redis). */
  crashStore?(): Promise<void>;
}

const backends: Backend[] = [
  { name: 'LMDB', storage: (tag) => `type: lmdb\npath: ${join(root, tag)}` },
  {
    name: 'Redis',
    storage: (tag) => `type: redis\nurl: ${redis!.url}\nkeyPrefix: ${tag}`,
    async crashStore() {
      await redis!.stop('SIGKILL');
      await redis!.restart();
    },
  },
];

/** Starts the broker process for one test's store; `n` tells the runs apart in the config file name. */
function startOn(backend: Backend, tag: string, n: number): Promise<BrokerProcess> {
  return startBrokerProcess(join(root, `${tag}-${n}.yaml`), crashConfig(backend.storage(tag)));
}

const persistent = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } };

for (const backend of backends) {
  describe(`crash recovery on ${backend.name}`, () => {
    test('SIGKILL mid-stream: every QoS 1 message acknowledged to the publisher is delivered after the restart, in order; retained and subscriptions intact', async (t) => {
      const tag = `midstream-${backend.name.toLowerCase()}`;
      let broker = await startOn(backend, tag, 1);
      const sub = await connectClient(broker.port, { ...persistent, clientId: 'crash-sub' });
      await sub.subscribeAsync('crash/#', { qos: 1 });
      await endClient(sub);
      const pub = await connectClient(broker.port, { protocolVersion: 5, clientId: 'crash-pub' });
      await pub.publishAsync('crash/retained', 'kept', { qos: 1, retain: true });
      // A stream of QoS 1 publishes with 200 awaiting acknowledgement at any time (each acknowledgement sends the next),
      // so commits run back to back; the broker is killed once 1,000 are acknowledged, with the stream still going.
      const total = 10_000;
      const window = 200;
      const acked = new Set<number>();
      let sent = 0;
      let killing: Promise<void> | undefined;
      const sendNext = (): void => {
        if (sent >= total || killing !== undefined) return;
        const i = sent++;
        pub.publish('crash/stream', String(i), { qos: 1 }, (err) => {
          if (err !== undefined && err !== null) return;
          // Acknowledgements that arrive while the kill is under way count too: they were acknowledged.
          acked.add(i);
          if (killing === undefined && acked.size >= 1000) killing = broker.kill('SIGKILL');
          else sendNext();
        });
      };
      for (let i = 0; i < window; i++) sendNext();
      await waitFor(() => killing !== undefined, 30_000, '1,000 acknowledgements');
      await killing;
      const ackedCount = acked.size;
      pub.end(true);
      assert.ok(sent > ackedCount, `killed mid-stream (${ackedCount} of ${sent} sent acknowledged)`);
      if (backend.crashStore !== undefined) await backend.crashStore();

      broker = await startOn(backend, tag, 2);
      try {
        const back = mqtt.connect({ host: '127.0.0.1', port: broker.port, reconnectPeriod: 0, clientId: 'crash-sub', ...persistent });
        const got = collect(back);
        await new Promise<void>((resolve, reject) => {
          back.once('connect', () => resolve());
          back.once('error', reject);
        });
        const received = (): number[] => got.filter((m) => m.topic === 'crash/stream').map((m) => Number(m.payload.toString()));
        await waitFor(() => {
          const seen = new Set(received());
          for (const i of acked) if (!seen.has(i)) return false;
          return true;
        }, 30_000, `the ${ackedCount} acknowledged messages`);
        const order = received();
        // Order per publisher and topic: each first arrival comes after the ones published before it.
        const firsts = order.filter((v, i) => order.indexOf(v) === i);
        assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), 'messages arrive in publish order');
        t.diagnostic(`${backend.name}: ${ackedCount} of ${sent} sent acknowledged before SIGKILL, ${firsts.length} delivered after the restart`);

        // The subscription still delivers, and the retained message is there for a new subscriber.
        const pub2 = await connectClient(broker.port, { protocolVersion: 5, clientId: 'crash-pub2' });
        await pub2.publishAsync('crash/after', 'after restart', { qos: 1 });
        await waitFor(() => got.some((m) => m.topic === 'crash/after'), 5000, 'delivery on the restored subscription');
        const fresh = await connectClient(broker.port, { protocolVersion: 5, clientId: 'crash-fresh' });
        const freshGot = collect(fresh);
        await fresh.subscribeAsync('crash/retained', { qos: 1 });
        await waitFor(() => freshGot.length === 1, 5000, 'retained message');
        assert.equal(freshGot[0]!.payload.toString(), 'kept');
        await Promise.all([endClient(pub2), endClient(fresh), endClient(back)]);
      } finally {
        await broker.kill('SIGTERM');
      }
    });

    test('SIGKILL between PUBREC and PUBREL: QoS 2 is delivered exactly once, in both directions [MQTT-4.3.3-10] [MQTT-4.4.0-1]', async () => {
      const tag = `qos2-${backend.name.toLowerCase()}`;
      let broker = await startOn(backend, tag, 1);
      const session = { clean: false, properties: { sessionExpiryInterval: 300 } };
      const sub = await rawSession(broker.port, 5, 'q2-sub', { subscribe: [{ topic: 'q2/#', qos: 2 }], connect: session });
      const pub = await rawSession(broker.port, 5, 'q2-pub', { connect: session });
      // Inbound: the publisher has PUBREC for id 7 and has not sent PUBREL.
      pub.send(publishPacket('q2/a', 'once', 2, 7));
      const pubrec = await pub.expect(PacketType.PUBREC);
      assert.equal(pubrec.reasonCode, 0);
      // Outbound: the subscriber got 'once', answered PUBREC and got PUBREL, but sends no PUBCOMP.
      const first = await sub.expect(PacketType.PUBLISH);
      assert.equal(first.payload.toString(), 'once');
      sub.send({ type: PacketType.PUBREC, packetId: first.packetId, reasonCode: 0, properties: {} });
      await sub.expect(PacketType.PUBREL);
      // A second message the subscriber receives but does not acknowledge at all.
      pub.send(publishPacket('q2/b', 'second', 2, 8));
      await pub.expect(PacketType.PUBREC);
      const second = await sub.expect(PacketType.PUBLISH);
      assert.equal(second.payload.toString(), 'second');
      // A SUBACK of a stored session leaves only after its commit, and commits are in order: once it is here, the
      // PUBREC state recorded before it is durable too.
      sub.send(subscribePacket(2, [{ topic: 'q2-sync', qos: 0 }]));
      await sub.expect(PacketType.SUBACK);
      await broker.kill('SIGKILL');
      pub.destroy();
      sub.destroy();
      if (backend.crashStore !== undefined) await backend.crashStore();

      broker = await startOn(backend, tag, 2);
      try {
        // The subscriber is owed PUBREL for 'once' and the PUBLISH of 'second' again, with DUP and the same id.
        const back = await RawClient.connect(broker.port, 5);
        const ack = await back.handshake('q2-sub', session);
        assert.equal(ack.sessionPresent, true);
        const pubrel = await back.expect(PacketType.PUBREL, 5000);
        assert.equal(pubrel.packetId, first.packetId);
        back.send({ type: PacketType.PUBCOMP, packetId: pubrel.packetId, reasonCode: 0, properties: {} });
        const again = await back.expect(PacketType.PUBLISH, 5000);
        assert.equal(again.payload.toString(), 'second');
        assert.equal(again.dup, true);
        assert.equal(again.packetId, second.packetId);
        back.send({ type: PacketType.PUBREC, packetId: again.packetId, reasonCode: 0, properties: {} });
        await back.expect(PacketType.PUBREL);
        back.send({ type: PacketType.PUBCOMP, packetId: again.packetId, reasonCode: 0, properties: {} });

        // The publisher resends its PUBLISH (DUP): the restored id makes it a duplicate, acknowledged and not routed.
        const pubBack = await RawClient.connect(broker.port, 5);
        assert.equal((await pubBack.handshake('q2-pub', session)).sessionPresent, true);
        pubBack.send(publishPacket('q2/a', 'once', 2, 7, { dup: true }));
        assert.equal((await pubBack.expect(PacketType.PUBREC)).reasonCode, 0);
        pubBack.send({ type: PacketType.PUBREL, packetId: 7, reasonCode: 0, properties: {} });
        assert.equal((await pubBack.expect(PacketType.PUBCOMP)).reasonCode, 0);
        assert.equal(await back.quiet(300), true, 'no second copy of a QoS 2 message');
        pubBack.destroy();
        back.destroy();
      } finally {
        await broker.kill('SIGTERM');
      }
    });
  });
}

describe('Redis stopped and restarted under a running broker', () => {
  test('while Redis is away publishes are refused (0x80) and persistent sessions get CONNACK 0x88; it resumes by itself, and what was acknowledged survives a broker SIGKILL', async (t) => {
    const backend = backends[1]!;
    const tag = 'outage';
    let broker = await startOn(backend, tag, 1);
    const sub = await connectClient(broker.port, { ...persistent, clientId: 'out-sub' });
    await sub.subscribeAsync('out/#', { qos: 1 });
    await endClient(sub);
    const pub = await rawSession(broker.port, 5, 'out-pub');
    const okIds: number[] = [];
    let id = 1;
    const publishOne = async (): Promise<number> => {
      const packetId = id++;
      pub.send(publishPacket('out/x', String(packetId), 1, packetId));
      const ack = await pub.expect(PacketType.PUBACK, 10_000);
      assert.equal(ack.packetId, packetId);
      if (ack.reasonCode === 0) okIds.push(packetId);
      return ack.reasonCode;
    };
    for (let i = 0; i < 20; i++) assert.equal(await publishOne(), 0);

    await redis!.stop('SIGKILL');
    // Refused, not acknowledged, while the store is gone.
    let code = await publishOne();
    while (code === 0) code = await publishOne();
    assert.equal(code, ReasonCode.UNSPECIFIED_ERROR);
    const refusedConnect = await RawClient.connect(broker.port, 5);
    const connack = await refusedConnect.handshake('out-late', { clean: false, properties: { sessionExpiryInterval: 60 } });
    assert.equal(connack.reasonCode, ReasonCode.SERVER_UNAVAILABLE);
    refusedConnect.destroy();

    await redis!.restart();
    // Back by itself: publishes are acknowledged again.
    const deadline = Date.now() + 20_000;
    while ((await publishOne()) !== 0) {
      if (Date.now() > deadline) throw new Error('the broker did not resume after Redis came back');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 20; i++) assert.equal(await publishOne(), 0);
    t.diagnostic(`${okIds.length} acknowledged, ${id - 1 - okIds.length} refused during the outage`);
    pub.destroy();
    await broker.kill('SIGKILL');

    broker = await startOn(backend, tag, 2);
    try {
      const back = mqtt.connect({ host: '127.0.0.1', port: broker.port, reconnectPeriod: 0, clientId: 'out-sub', ...persistent });
      const got = collect(back);
      await new Promise<void>((resolve, reject) => {
        back.once('connect', () => resolve());
        back.once('error', reject);
      });
      await waitFor(() => {
        const seen = new Set(got.map((m) => Number(m.payload.toString())));
        return okIds.every((i) => seen.has(i));
      }, 20_000, 'every acknowledged message');
      await endClient(back);
    } finally {
      await broker.kill('SIGTERM');
    }
  });
});
