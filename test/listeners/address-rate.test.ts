// AddressRateLimiter: one token bucket per remote address, refilled over time, in a table of bounded size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressRateLimiter } from '../../src/listeners/address-rate.js';

test('each address has its own bucket of `burst` tokens', () => {
  const limiter = new AddressRateLimiter({ perSecond: 1, burst: 2 });
  assert.equal(limiter.take('10.0.0.1', 0), true);
  assert.equal(limiter.take('10.0.0.1', 0), true);
  assert.equal(limiter.take('10.0.0.1', 0), false);
  assert.equal(limiter.take('10.0.0.2', 0), true, 'another address is not affected');
});

test('tokens come back at perSecond', () => {
  const limiter = new AddressRateLimiter({ perSecond: 2 });
  assert.equal(limiter.take('h', 0), true);
  assert.equal(limiter.take('h', 0), true);
  assert.equal(limiter.take('h', 0), false);
  assert.equal(limiter.take('h', 499), false, 'not yet a whole token');
  assert.equal(limiter.take('h', 500), true, 'one token after half a second');
  assert.equal(limiter.take('h', 500), false);
});

test('an IPv4 peer seen through a dual-stack socket shares the bucket of its plain address', () => {
  const limiter = new AddressRateLimiter({ perSecond: 1, burst: 1 });
  assert.equal(limiter.take('192.0.2.7', 0), true);
  assert.equal(limiter.take('::ffff:192.0.2.7', 0), false);
});

test('an unknown address is not limited', () => {
  const limiter = new AddressRateLimiter({ perSecond: 1, burst: 1 });
  for (let i = 0; i < 5; i++) assert.equal(limiter.take('', 0), true);
  assert.equal(limiter.tracked, 0);
});

test('the table stays bounded under a flood of distinct addresses, and keeps a busy address limited', () => {
  const limiter = new AddressRateLimiter({ perSecond: 0.001, burst: 1 }, 100);
  assert.equal(limiter.take('busy', 0), true);
  for (let i = 0; i < 10_000; i++) {
    limiter.take(`10.1.${i >> 8}.${i & 255}`, 1);
    assert.ok(limiter.tracked <= 100, `tracked ${limiter.tracked}`);
  }
  const fresh = new AddressRateLimiter({ perSecond: 0.001, burst: 1 }, 100);
  fresh.take('busy', 0);
  for (let i = 0; i < 50; i++) fresh.take(`10.2.0.${i}`, 1);
  assert.equal(fresh.take('busy', 2), false, 'below the bound nothing is forgotten');
});

test('buckets that refilled are forgotten first when the table is full', () => {
  const limiter = new AddressRateLimiter({ perSecond: 1, burst: 1 }, 4);
  for (const a of ['a', 'b', 'c', 'd']) limiter.take(a, 0);
  // At 10 s every bucket is full again: the next address makes room by dropping them, not by failing.
  assert.equal(limiter.take('e', 10_000), true);
  assert.equal(limiter.tracked, 1);
});

test('rejects a rate that is not positive or a burst below 1', () => {
  assert.throws(() => new AddressRateLimiter({ perSecond: 0 }), RangeError);
  assert.throws(() => new AddressRateLimiter({ perSecond: 1, burst: 0.5 }), RangeError);
});
