// Verification: a track = what one subscriber got from one publisher, by sequence number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SequenceTracker, createVerification, mergeVerification, verdictOf } from '../../src/bench/verify.js';

function track(seqs: number[]): SequenceTracker {
  const t = new SequenceTracker();
  for (const s of seqs) t.record(s);
  return t;
}

test('an in-order complete sequence is clean', () => {
  const t = track([0, 1, 2, 3, 4]);
  assert.deepEqual([t.unique, t.duplicates, t.reordered], [5, 0, 0]);
});

test('a loss shows as fewer unique than sent', () => {
  const t = track([0, 1, 3, 4]);
  assert.equal(t.unique, 4);
  assert.equal(t.reordered, 0);
  const v = createVerification();
  v.expected = 5;
  v.lost = 5 - t.unique;
  assert.equal(verdictOf(v, 1), 'lost 1 of 5');
});

test('a duplicate is counted once and not as unique', () => {
  const t = track([0, 1, 1, 2]);
  assert.deepEqual([t.unique, t.duplicates, t.reordered], [3, 1, 0]);
});

test('a reorder is counted when a lower sequence arrives after a higher one', () => {
  const t = track([0, 2, 1, 3]);
  assert.deepEqual([t.unique, t.duplicates, t.reordered], [4, 0, 1]);
});

test('the bitset grows for large sequence numbers', () => {
  const t = track([0, 100000, 5, 100000]);
  assert.deepEqual([t.unique, t.duplicates, t.reordered], [3, 1, 1]);
});

test('verdict names every problem; order only counts for QoS >= 1 [MQTT-4.6.0-5]', () => {
  const v = createVerification();
  assert.equal(verdictOf(v, 0), 'ok');
  v.reordered = 2;
  assert.equal(verdictOf(v, 0), 'ok');
  assert.equal(verdictOf(v, 1), '2 out of order');
  v.duplicates = 3;
  v.errors.push('connection closed by the broker');
  assert.equal(verdictOf(v, 2), '3 duplicates; 2 out of order; connection closed by the broker');
});

test('mergeVerification adds counts and keeps errors', () => {
  const a = createVerification();
  const b = createVerification();
  a.expected = 10;
  b.expected = 5;
  b.lost = 1;
  b.errors.push('x');
  mergeVerification(a, b);
  assert.equal(a.expected, 15);
  assert.equal(a.lost, 1);
  assert.deepEqual(a.errors, ['x']);
});
