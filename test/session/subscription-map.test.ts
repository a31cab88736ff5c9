// SubscriptionMap: the Map<string, Subscription> subset a session uses, with one entry held without a Map.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SubscriptionMap } from '../../src/session/subscription-map.js';
import type { Subscription } from '../../src/session/subscription.js';

const sub = (filter: string): Subscription => ({ topicFilter: filter }) as unknown as Subscription;

test('subscription map: one entry, replaced, deleted', () => {
  const m = new SubscriptionMap();
  assert.equal(m.size, 0);
  assert.equal(m.get('a'), undefined);
  assert.equal(m.delete('a'), false);
  assert.deepEqual([...m.keys()], []);
  const a = sub('a');
  m.set('a', a);
  assert.equal(m.size, 1);
  assert.equal(m.get('a'), a);
  assert.equal(m.has('a'), true);
  assert.equal(m.has('b'), false);
  const a2 = sub('a');
  m.set('a', a2);
  assert.equal(m.size, 1);
  assert.equal(m.get('a'), a2);
  assert.deepEqual([...m.values()], [a2]);
  assert.equal(m.delete('b'), false);
  assert.equal(m.delete('a'), true);
  assert.equal(m.size, 0);
  assert.equal(m.get('a'), undefined);
});

test('subscription map: many entries keep insertion order, delete and clear', () => {
  const m = new SubscriptionMap();
  const subs = ['x', 'y', 'z'].map(sub);
  for (const s of subs) m.set(s.topicFilter, s);
  assert.equal(m.size, 3);
  assert.deepEqual([...m.keys()], ['x', 'y', 'z']);
  assert.deepEqual([...m.values()], subs);
  assert.equal(m.get('y'), subs[1]);
  assert.equal(m.delete('x'), true);
  assert.deepEqual([...m.keys()], ['y', 'z']);
  m.clear();
  assert.equal(m.size, 0);
  assert.deepEqual([...m.values()], []);
  m.set('w', sub('w'));
  assert.deepEqual([...m.keys()], ['w']);
});
