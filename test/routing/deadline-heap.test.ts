// DeadlineHeap: the earliest deadline first, keys moved and removed in place, never a stale entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeadlineHeap } from '../../src/routing/deadline-heap.js';

test('keys come out in deadline order, only when due', () => {
  const heap = new DeadlineHeap<string>();
  assert.equal(heap.earliest(), Infinity);
  assert.equal(heap.popDue(Number.MAX_SAFE_INTEGER), undefined);
  heap.set('c', 30);
  heap.set('a', 10);
  heap.set('b', 20);
  assert.equal(heap.size, 3);
  assert.equal(heap.earliest(), 10);
  assert.equal(heap.popDue(9), undefined, 'nothing is due before 10');
  assert.equal(heap.popDue(25), 'a');
  assert.equal(heap.popDue(25), 'b');
  assert.equal(heap.popDue(25), undefined);
  assert.equal(heap.popDue(30), 'c');
  assert.equal(heap.size, 0);
});

test('set moves a key, delete removes it: the heap holds one entry per key', () => {
  const heap = new DeadlineHeap<string>();
  heap.set('a', 10);
  heap.set('b', 20);
  heap.set('a', 40); // later
  assert.equal(heap.size, 2);
  assert.equal(heap.popDue(100), 'b');
  heap.set('c', 50);
  heap.set('c', 5); // earlier
  assert.equal(heap.earliest(), 5);
  assert.equal(heap.delete('c'), true);
  assert.equal(heap.delete('c'), false);
  assert.equal(heap.earliest(), 40);
  assert.equal(heap.popDue(100), 'a');
  assert.equal(heap.size, 0);
});

test('any sequence of set, delete and popDue agrees with a plain map', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 20 }), time: fc.integer({ min: 0, max: 1000 }) }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant('pop' as const), now: fc.integer({ min: 0, max: 1000 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const heap = new DeadlineHeap<number>();
      const model = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'set') {
          heap.set(o.key, o.time);
          model.set(o.key, o.time);
        } else if (o.kind === 'delete') {
          assert.equal(heap.delete(o.key), model.delete(o.key));
        } else {
          const key = heap.popDue(o.now);
          const earliest = Math.min(...model.values());
          if (key === undefined) {
            assert.ok(model.size === 0 || earliest > o.now);
          } else {
            assert.equal(model.get(key), earliest, 'popped a key that was not the earliest');
            assert.ok(earliest <= o.now);
            model.delete(key);
          }
        }
        assert.equal(heap.size, model.size);
        assert.equal(heap.earliest(), model.size === 0 ? Infinity : Math.min(...model.values()));
      }
    }),
    { numRuns: 300 },
  );
});
