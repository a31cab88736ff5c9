// A failing storage never stops the broker and never becomes an unhandled rejection: every failed Persistence call
// reaches onError (where 'persistence'), a warning in the log and swiftlet_persistence_errors_total, whatever the
// implementation. Failures come from a real LmdbPersistence refusing a key, and from a Persistence written here whose
// writes reject (or throw) as a broken disk or network store would.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbPersistence } from '../../src/index.js';
import type { BrokerLogger, Hook, MessageRecord, PersistedState, Persistence, QueuedRecord, SessionRecord, SubscriptionRecord } from '../../src/index.js';
import { createBrokerMetrics } from '../../src/http/metrics.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';

/** A durable Persistence whose every write fails: `reject` returns a rejected promise, `throw` throws. */
class FailingPersistence implements Persistence {
  readonly durable = true;
  readonly calls: string[] = [];
  constructor(readonly mode: 'reject' | 'throw') {}
  open(): Promise<PersistedState> {
    return Promise.resolve({ sessions: [], subscriptions: [], retained: [], queued: [] });
  }
  #fail(operation: string): Promise<void> {
    this.calls.push(operation);
    const err = new Error(`disk gone (${operation})`);
    if (this.mode === 'throw') throw err;
    return Promise.reject(err);
  }
  saveSession(_record: SessionRecord): Promise<void> {
    return this.#fail('saveSession');
  }
  deleteSession(_clientId: string): Promise<void> {
    return this.#fail('deleteSession');
  }
  saveSubscription(_record: SubscriptionRecord): Promise<void> {
    return this.#fail('saveSubscription');
  }
  deleteSubscription(_clientId: string, _topicFilter: string): Promise<void> {
    return this.#fail('deleteSubscription');
  }
  saveRetained(_record: MessageRecord): Promise<void> {
    return this.#fail('saveRetained');
  }
  deleteRetained(_topic: string): Promise<void> {
    return this.#fail('deleteRetained');
  }
  saveQueued(_clientId: string, _records: QueuedRecord[]): Promise<void> {
    return this.#fail('saveQueued');
  }
  flush(): Promise<void> {
    return this.#fail('flush');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Observed {
  errors: { error: Error; clientId?: string; where: string }[];
  warnings: { obj: Record<string, unknown>; msg: string | undefined }[];
}

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

describe('persistence failures', () => {
  for (const mode of ['reject', 'throw'] as const) {
    test(`writes that ${mode === 'reject' ? 'reject' : 'throw'}: the broker keeps serving; onError, a warning and the metric report them`, async () => {
      const persistence = new FailingPersistence(mode);
      const { observed, hook, logger } = observer();
      const tb = await startBroker({ sysInterval: 0, logger }, (b) => b.setPersistence(persistence));
      try {
        await tb.broker.addHook(hook);
        // A persistent session (saveSession), its subscription (saveSubscription), a retained publish (saveRetained).
        const sub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 300 } });
        const got = collect(sub);
        await sub.subscribeAsync('disk/#', { qos: 1 });
        const pub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'writer' });
        await pub.publishAsync('disk/r', 'still works', { qos: 1, retain: true });
        await waitFor(() => got.length === 1, 3000, 'delivery despite failing storage');
        assert.equal(got[0]!.payload.toString(), 'still works');
        assert.equal(tb.broker.retainedMessage('disk/r')?.payload.toString(), 'still works');
        await waitFor(() => observed.errors.length >= 3, 3000, 'three onError calls');

        const where = observed.errors.map((e) => e.where);
        assert.ok(where.every((w) => w === 'persistence'), `where: ${where.join(', ')}`);
        assert.ok(observed.errors.some((e) => e.clientId === 'keeper' && e.error.message === 'disk gone (saveSession)'));
        assert.ok(observed.errors.some((e) => e.clientId === 'keeper' && e.error.message === 'disk gone (saveSubscription)'));
        assert.ok(observed.errors.some((e) => e.clientId === undefined && e.error.message === 'disk gone (saveRetained)'));
        const stats = tb.broker.stats;
        assert.equal(stats.persistenceErrors, observed.errors.length);
        assert.equal(await metricValue(tb, 'swiftlet_persistence_errors_total'), stats.persistenceErrors);
        // One warning line: the next failures within the second are counted, not logged.
        const warned = observed.warnings.filter((w) => w.msg === 'persistence write failed');
        assert.equal(warned.length, 1);
        assert.equal(warned[0]!.obj.operation, 'saveSession');
        assert.equal(warned[0]!.obj.client, 'keeper');
        // A message queued for the offline persistent session: saveQueued writes it at close (and fails).
        await endClient(sub);
        await waitFor(() => tb.broker.client('keeper')?.connected === false, 3000, 'keeper offline');
        await pub.publishAsync('disk/q', 'queued', { qos: 1 });
        assert.equal(tb.broker.client('keeper')?.queued, 1);
        await endClient(pub);
      } finally {
        await tb.close(); // flush fails too: close still completes
      }
      assert.ok(observed.errors.some((e) => e.error.message === 'disk gone (flush)'), 'a failed flush is reported');
      assert.ok(persistence.calls.includes('saveQueued'), 'the pending messages were written (and failed) at close');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    });
  }

  test('a real LmdbPersistence refusing a write (a key past LMDB\'s size limit) is reported, and the client is served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swiftlet-lmdb-fail-'));
    const { observed, hook, logger } = observer();
    const tb = await startBroker({ sysInterval: 0, logger }, (b) => b.setPersistence(new LmdbPersistence({ path: dir })));
    try {
      await tb.broker.addHook(hook);
      // A valid MQTT topic (up to 65535 bytes) longer than the largest LMDB key (1978 bytes).
      const topic = `long/${'x'.repeat(3000)}`;
      const sub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'lmdb-sub' });
      const got = collect(sub);
      await sub.subscribeAsync('long/#', { qos: 1 });
      const pub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'lmdb-pub' });
      await pub.publishAsync(topic, 'kept in memory', { qos: 1, retain: true });
      await waitFor(() => got.length === 1, 3000, 'delivery');
      assert.equal(pub.connected, true, 'the publisher was not disconnected');
      assert.equal(tb.broker.retainedMessage(topic)?.payload.toString(), 'kept in memory');
      assert.equal(observed.errors.length, 1);
      assert.equal(observed.errors[0]!.where, 'persistence');
      assert.match(observed.errors[0]!.error.message, /key size/i);
      assert.equal(tb.broker.stats.persistenceErrors, 1);
      assert.equal(observed.warnings.filter((w) => w.msg === 'persistence write failed').length, 1);
      await endClient(pub);
      await endClient(sub);
    } finally {
      await tb.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(unhandled, []);
  });
});
