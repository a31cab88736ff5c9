// A failing storage never stops the broker and never becomes an unhandled rejection: every failure (a commit that
// rejects, a write method that throws, a close that fails) reaches onError (where 'persistence'), a rate-limited
// warning and swiftlet_persistence_errors_total; what waited for a failed commit is refused, and storage converges
// once it works again. A real LmdbPersistence stores keys past LMDB's size limit (long client ids, topics, filters)
// without failing a commit.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbPersistence, PacketType, ReasonCode } from '../../src/index.js';
import type { BrokerLogger, Hook, MessageRecord, SessionRecord } from '../../src/index.js';
import { createBrokerMetrics } from '../../src/http/metrics.js';
import { MapPersistence } from '../../examples/gomqtt-backend.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { ManualClock } from '../helpers/clock.js';
import { publishPacket } from '../helpers/packets.js';
import { publishQoS1, rawSession } from '../helpers/raw-session.js';

/** A durable MapPersistence that fails on demand: commits reject, a named write throws, close rejects. */
class FlakyPersistence extends MapPersistence {
  failCommits = false;
  throwOn: string | null = null;
  failClose = false;
  override commit(): Promise<void> {
    if (this.failCommits) return Promise.reject(new Error('disk gone (commit)'));
    return super.commit();
  }
  override saveSession(record: SessionRecord): void {
    if (this.throwOn === 'saveSession') throw new Error('disk gone (saveSession)');
    super.saveSession(record);
  }
  override saveRetained(record: MessageRecord): void {
    if (this.throwOn === 'saveRetained') throw new Error('disk gone (saveRetained)');
    super.saveRetained(record);
  }
  override close(): Promise<void> {
    return this.failClose ? Promise.reject(new Error('disk gone (close)')) : super.close();
  }
}

interface Observed {
  errors: { error: Error; clientId?: string; where: string }[];
  warnings: { obj: Record<string, unknown>; msg: string | undefined }[];
}

const WARNING = 'storage commit failed: refusing what it should have stored';

function observer(): { observed: Observed; hook: Hook; logger: BrokerLogger } {
  const observed: Observed = { errors: [], warnings: [] };
  return {
    observed,
    hook: { id: 'errors', onError: (error, context) => observed.errors.push({ error, ...context }) },
    logger: { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (obj, msg) => observed.warnings.push({ obj: obj as Record<string, unknown>, msg }) },
  };
}

// Any unhandled rejection during these tests is a failure (Node would otherwise end the process on it).
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
before(() => process.on('unhandledRejection', onUnhandled));
after(() => process.off('unhandledRejection', onUnhandled));

async function metricValue(tb: TestBroker, name: string): Promise<number> {
  const metrics = createBrokerMetrics(tb.broker);
  try {
    const text = await metrics.registry.getSingleMetricAsString(name);
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1]);
  } finally {
    metrics.stop();
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'swiftlet-lmdb-long-'));
}

describe('persistence failures', () => {
  test('commits that reject: the publisher is refused (0x80), clean traffic flows, onError, one warning and the metric report it; storage converges once it works', async () => {
    const persistence = new FlakyPersistence();
    const { observed, hook, logger } = observer();
    // A clock that stands still: every failure falls in the same warning interval.
    const clock = new ManualClock();
    const tb = await startBroker({ sysInterval: 0, logger, clock: clock.now }, (b) => b.setPersistence(persistence));
    try {
      await tb.broker.addHook(hook);
      const sub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'watcher' });
      const got = collect(sub);
      await sub.subscribeAsync('disk/#', { qos: 1 });
      persistence.failCommits = true;
      const pub = await rawSession(tb.port, 5, 'writer');
      // A retained message is recorded: its PUBACK waits for the commit, which fails.
      assert.equal(await publishQoS1(pub, 'disk/r1', 'one', 1, { retain: true }), ReasonCode.UNSPECIFIED_ERROR);
      assert.equal(await publishQoS1(pub, 'disk/r2', 'two', 2, { retain: true }), ReasonCode.UNSPECIFIED_ERROR);
      // Clean-session traffic records nothing and is not held back.
      assert.equal(await publishQoS1(pub, 'disk/plain', 'three', 3), 0);
      await waitFor(() => got.length === 3, 3000, 'deliveries despite failing storage');
      assert.ok(observed.errors.length >= 2);
      assert.ok(observed.errors.every((e) => e.where === 'persistence' && e.error.message === 'disk gone (commit)'));
      const stats = tb.broker.stats;
      assert.equal(stats.persistenceErrors, observed.errors.length);
      assert.equal(await metricValue(tb, 'swiftlet_persistence_errors_total'), stats.persistenceErrors);
      // One warning line: the next failures within the interval are counted, not logged.
      const warned = observed.warnings.filter((w) => w.msg === WARNING);
      assert.equal(warned.length, 1);
      assert.equal(warned[0]!.obj.operation, 'commit');

      persistence.failCommits = false;
      // The failed batches are retried by themselves: both retained messages reach storage.
      await waitFor(() => persistence.store.retained.has('disk/r1') && persistence.store.retained.has('disk/r2') && (tb.broker.stats.storageCommits ?? 0) > 0, 5000, 'the retry commit');
      assert.equal(await publishQoS1(pub, 'disk/r3', 'four', 4, { retain: true }), 0);
      pub.destroy();
      await endClient(sub);
    } finally {
      await tb.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  });

  test('a write method that throws: reported with its operation; its batch fails (0x80), later ones commit; a failed close is reported and close completes', async () => {
    const persistence = new FlakyPersistence();
    const { observed, hook, logger } = observer();
    const clock = new ManualClock();
    const tb = await startBroker({ sysInterval: 0, logger, clock: clock.now }, (b) => b.setPersistence(persistence));
    try {
      await tb.broker.addHook(hook);
      persistence.throwOn = 'saveRetained';
      const pub = await rawSession(tb.port, 5, 'writer');
      assert.equal(await publishQoS1(pub, 'thrown/r', 'x', 1, { retain: true }), ReasonCode.UNSPECIFIED_ERROR);
      assert.equal(observed.errors.length, 1);
      assert.equal(observed.errors[0]!.where, 'persistence');
      assert.equal(observed.errors[0]!.clientId, undefined);
      assert.equal(observed.errors[0]!.error.message, 'disk gone (saveRetained)');
      const warned = observed.warnings.filter((w) => w.msg === WARNING);
      assert.equal(warned.length, 1);
      assert.equal(warned[0]!.obj.operation, 'saveRetained');

      // Storage works again: the next batch commits and its acknowledgement goes out.
      persistence.throwOn = null;
      assert.equal(await publishQoS1(pub, 'thrown/r2', 'y', 2, { retain: true }), 0);
      assert.equal(persistence.store.retained.get('thrown/r2')?.payload.toString(), 'y');
      assert.equal(tb.broker.stats.persistenceErrors, observed.errors.length);
      pub.destroy();
      persistence.failClose = true;
    } finally {
      await tb.close();
    }
    assert.ok(observed.errors.some((e) => e.where === 'persistence' && e.error.message === 'disk gone (close)'), 'a failed close is reported');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  });

  test('LmdbPersistence stores client ids, topics and filters longer than an LMDB key (1978 bytes): later commits are not wedged, and all of it comes back', async () => {
    const path = tempDir();
    try {
      const longId = `client-${'i'.repeat(3000)}`;
      const longFilter = `filter/${'f'.repeat(3000)}/#`;
      const longTopic = `long/${'x'.repeat(3000)}`;
      const message: MessageRecord = { topic: longTopic, payload: Buffer.from('p'), qos: 1, retain: true, properties: {}, origin: longId, expiresAt: 0 };
      const p = new LmdbPersistence({ path });
      await p.open();
      p.saveSession({ clientId: longId, protocolVersion: 5, expiryInterval: 300, disconnectedAt: 1 });
      p.saveSession({ clientId: 'short', protocolVersion: 5, expiryInterval: 300, disconnectedAt: 1 });
      p.saveSubscription({ clientId: longId, topicFilter: longFilter, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0, identifier: 0 });
      p.saveRetained(message);
      p.saveDelivery({ clientId: longId, seq: 7, message, qos: 1, retain: false, subscriptionIds: undefined, packetId: 3, released: false });
      p.holdInbound(longId, 9);
      p.holdInbound('short', 4);
      await p.commit();
      p.saveSession({ clientId: 'after', protocolVersion: 4, expiryInterval: 60, disconnectedAt: 1 });
      await p.commit();
      await p.close();

      const again = new LmdbPersistence({ path });
      const state = await again.open();
      assert.deepEqual(state.sessions.map((s) => s.clientId).sort(), ['after', longId, 'short'].sort());
      assert.deepEqual(state.subscriptions.map((s) => [s.clientId, s.topicFilter]), [[longId, longFilter]]);
      assert.deepEqual(state.retained.map((r) => r.topic), [longTopic]);
      assert.deepEqual(state.deliveries.map((d) => [d.clientId, d.seq, d.message.topic]), [[longId, 7, longTopic]]);
      assert.deepEqual(state.inboundQoS2.map((i) => `${i.clientId.length}:${i.packetId}`).sort(), [`${longId.length}:9`, '5:4']);
      // Deleting the long client's session takes everything recorded for it, and nothing of the others.
      again.deleteSession(longId);
      again.deleteRetained(longTopic);
      await again.commit();
      await again.close();
      const third = new LmdbPersistence({ path });
      const left = await third.open();
      assert.deepEqual(left.sessions.map((s) => s.clientId).sort(), ['after', 'short']);
      assert.deepEqual(left.subscriptions, []);
      assert.deepEqual(left.retained, []);
      assert.deepEqual(left.deliveries, []);
      assert.deepEqual(left.inboundQoS2, [{ clientId: 'short', packetId: 4 }]);
      await third.close();
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });

  test('a broker on LMDB retains a message on a topic past the LMDB key limit: acknowledged, no storage error, kept across a restart', async () => {
    const path = tempDir();
    const { observed, hook, logger } = observer();
    const topic = `long/${'x'.repeat(3000)}`;
    try {
      let tb = await startBroker({ sysInterval: 0, logger }, (b) => b.setPersistence(new LmdbPersistence({ path })));
      try {
        await tb.broker.addHook(hook);
        const sub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'lmdb-sub' });
        const got = collect(sub);
        await sub.subscribeAsync('long/#', { qos: 1 });
        const pub = await rawSession(tb.port, 5, 'lmdb-pub');
        assert.equal(await publishQoS1(pub, topic, 'kept', 1, { retain: true }), 0);
        pub.send(publishPacket('long/short', 'later', 1, 2, { retain: true }));
        assert.equal((await pub.expect(PacketType.PUBACK)).reasonCode, 0);
        await waitFor(() => got.length === 2, 3000, 'deliveries');
        assert.deepEqual(observed.errors, []);
        assert.equal(tb.broker.stats.persistenceErrors, 0);
        pub.destroy();
        await endClient(sub);
      } finally {
        await tb.close();
      }
      tb = await startBroker({ sysInterval: 0, logger }, (b) => b.setPersistence(new LmdbPersistence({ path })));
      try {
        assert.equal(tb.broker.retainedMessage(topic)?.payload.toString(), 'kept');
        assert.equal(tb.broker.retainedMessage('long/short')?.payload.toString(), 'later');
      } finally {
        await tb.close();
      }
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
    assert.deepEqual(unhandled, []);
  });
});
