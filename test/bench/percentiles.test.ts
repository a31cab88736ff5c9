// Percentiles by nearest rank: p-th percentile = the ceil(p/100 * n)-th smallest sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarizeLatency } from '../../src/bench/percentiles.js';

test('nearest-rank percentiles of 1..100', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 90), 90);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile(sorted, 0.1), 1);
});

test('small samples round the rank up', () => {
  assert.equal(percentile([10, 20, 30], 50), 20);
  assert.equal(percentile([10, 20, 30], 99), 30);
  assert.equal(percentile([7], 50), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('out-of-range percentile is rejected', () => {
  assert.throws(() => percentile([1, 2], 0), RangeError);
  assert.throws(() => percentile([1, 2], 101), RangeError);
});

test('summarizeLatency sorts unsorted nanosecond samples and reports microseconds', () => {
  const ns = [5000, 1000, 3000, 2000, 4000, 100000, 6000, 7000, 8000, 9000];
  const s = summarizeLatency(ns);
  assert.equal(s.count, 10);
  assert.equal(s.p50, 5);
  assert.equal(s.p90, 9);
  assert.equal(s.p99, 100);
  assert.equal(s.max, 100);
  assert.equal(s.mean, 14.5);
  assert.deepEqual(ns.slice(0, 2), [5000, 1000], 'input is left unsorted');
});
