// The small parts behind HttpAuth, JwtAuth and Webhook: BoundedCache, CircuitBreaker, Batcher, PerConnection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Batcher, BoundedCache, CircuitBreaker, HookChain } from '../../src/index.js';
import { PerConnection } from '../../src/hooks/builtin/per-connection.js';
import { createClient, createRecordingLogger } from './helpers.js';

describe('BoundedCache', () => {
  test('entries expire after ttl and the oldest write is evicted when full', () => {
    let t = 1000;
    const cache = new BoundedCache<string, number>({ maxEntries: 2, ttlMs: 100, now: () => t });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), undefined, 'evicted');
    assert.equal(cache.get('b'), 2);
    t += 100;
    assert.equal(cache.get('b'), undefined, 'expired');
    assert.equal(cache.size, 1);
  });

  test('ttl 0 caches nothing', () => {
    const cache = new BoundedCache<string, number>({ maxEntries: 10, ttlMs: 0 });
    cache.set('a', 1);
    assert.equal(cache.get('a'), undefined);
  });
});

describe('CircuitBreaker', () => {
  test('closed → open after the threshold → half-open after resetMs with one trial → closed on success, open on failure', () => {
    let t = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, resetMs: 1000, now: () => t });
    assert.equal(breaker.allow(), true);
    breaker.failure();
    assert.equal(breaker.state, 'closed');
    breaker.failure();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.allow(), false);
    t = 1000;
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.allow(), true, 'one trial');
    assert.equal(breaker.allow(), false, 'only one at a time');
    breaker.failure();
    assert.equal(breaker.state, 'open', 'a failed trial re-opens at once');
    t = 2000;
    assert.equal(breaker.allow(), true);
    breaker.success();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.allow(), true);
  });
});

describe('Batcher', () => {
  test('full queue drops and counts; close sends what is queued and counts what never went out', async () => {
    const sent: number[][] = [];
    let release: (() => void) | undefined;
    const batcher = new Batcher<number>({
      send: async (batch) => {
        sent.push(batch);
        if (sent.length === 1) await new Promise<void>((r) => (release = r));
        return 'ok';
      },
      maxItems: 2,
      maxDelayMs: 1000,
      maxQueued: 3,
      lanes: 1,
    });
    assert.equal(batcher.add('k', 1), true);
    assert.equal(batcher.add('k', 2), true, 'the batch of two goes out at once');
    assert.equal(batcher.add('k', 3), true);
    assert.equal(batcher.add('k', 4), false, 'maxQueued reached');
    assert.deepEqual(sent, [[1, 2]]);
    assert.equal(batcher.stats().droppedQueueFull, 1);
    release!();
    await batcher.close(1000);
    assert.deepEqual(sent, [[1, 2], [3]]);
    assert.deepEqual(batcher.stats(), { queued: 3, sent: 3, droppedQueueFull: 1, droppedFailed: 0, failedAttempts: 0, pending: 0 });
    assert.equal(batcher.add('k', 5), false, 'closed');
  });

  test('close gives up on a batch that does not finish within the grace period and counts it', async () => {
    const batcher = new Batcher<number>({ send: () => new Promise(() => undefined), maxItems: 10, maxDelayMs: 0, lanes: 2 });
    batcher.add('a', 1);
    batcher.add('b', 2);
    await new Promise((r) => setTimeout(r, 5));
    await batcher.close(20);
    assert.equal(batcher.stats().droppedFailed, 2);
    assert.equal(batcher.stats().pending, 0);
  });
});

describe('PerConnection', () => {
  test('a takeover by a new connection with the same client id cannot read or remove the new value', () => {
    const store = new PerConnection<string>();
    const old = createClient({ id: 'dev', remotePort: 1111, connectedAt: 1 });
    const fresh = createClient({ id: 'dev', remotePort: 2222, connectedAt: 2 });
    store.set(old, 'old');
    assert.equal(store.set(fresh, 'new'), 'old');
    assert.equal(store.get(old), undefined);
    assert.equal(store.delete(old), undefined, 'the old connection closing later leaves the new value alone');
    assert.equal(store.get({ ...fresh, username: 'renamed' }), 'new', 'copies of the same connection match');
    assert.equal(store.deleteOther(fresh), undefined);
    assert.equal(store.deleteOther(old), 'new');
    assert.equal(store.size, 0);
  });
});

describe('HookChain.add with before', () => {
  test('inserts just before the named hook, appends when it is absent', () => {
    const chain = new HookChain(createRecordingLogger());
    const decide = (id: string) => ({ id, checkAcl: () => 'defer' as const });
    chain.add(decide('ledger'));
    chain.add(decide('jwt'), 'ledger');
    chain.add(decide('http'), 'ledger');
    chain.add(decide('webhook'), 'nobody');
    assert.deepEqual(chain.hooks.map((h) => h.id), ['jwt', 'http', 'ledger', 'webhook']);
    assert.equal(chain.checkAcl?.length, 4);
  });
});
