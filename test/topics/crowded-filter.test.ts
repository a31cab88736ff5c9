// A filter with many subscribers switches to an indexed entry list; behaviour must not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubscriptionTrie } from '../../src/topics/subscription-trie.js';
import type { SharedGroup } from '../../src/topics/subscription-trie.js';

test('add, replace, remove and match across the index threshold', () => {
  const trie = new SubscriptionTrie<string>();
  for (let i = 0; i < 30; i++) assert.equal(trie.add('a/b', `k${i}`, `v${i}`), undefined);
  assert.equal(trie.add('a/b', 'k3', 'v3-new'), 'v3');
  assert.equal(trie.get('a/b', 'k3'), 'v3-new');
  for (let i = 0; i < 30; i += 2) assert.equal(trie.remove('a/b', `k${i}`), i === 2 ? 'v2' : i === 0 ? 'v0' : `v${i}`);
  const out: string[] = [];
  const groups: SharedGroup<string>[] = [];
  trie.match('a/b', out, groups);
  const expected = Array.from({ length: 15 }, (_, j) => (2 * j + 1 === 3 ? 'v3-new' : `v${2 * j + 1}`));
  assert.deepEqual([...out].sort(), [...expected].sort());
  for (let i = 1; i < 30; i += 2) assert.notEqual(trie.get('a/b', `k${i}`), undefined);
  for (let i = 0; i < 30; i += 2) assert.equal(trie.get('a/b', `k${i}`), undefined);
  for (let i = 1; i < 30; i += 2) trie.remove('a/b', `k${i}`);
  assert.equal(trie.size, 0);
  assert.equal(trie.filterCount, 0);
});

test('a crowded shared group keeps every member once', () => {
  const trie = new SubscriptionTrie<string>();
  for (let i = 0; i < 20; i++) trie.addShared('g', 's/+', `m${i}`, `m${i}`);
  trie.removeShared('g', 's/+', 'm5');
  const out: string[] = [];
  const groups: SharedGroup<string>[] = [];
  trie.match('s/x', out, groups);
  assert.equal(out.length, 0);
  assert.equal(groups.length, 1);
  assert.equal(groups[0]!.members.length, 19);
  assert.ok(!groups[0]!.members.includes('m5'));
  assert.equal(new Set(groups[0]!.members).size, 19);
});
