// SubscriptionTrie unit tests. Glossary: an entry is (filter, key) → value, where key is a client id;
// a shared entry also has a group (the share name) and lives in a SharedGroup on its inner filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubscriptionTrie } from '../../src/topics/subscription-trie.js';
import type { SharedGroup } from '../../src/topics/subscription-trie.js';

function matchValues<V>(trie: SubscriptionTrie<V>, topic: string): V[] {
  const out: V[] = [];
  trie.match(topic, out, []);
  return out;
}

function matchGroups<V>(trie: SubscriptionTrie<V>, topic: string): SharedGroup<V>[] {
  const groups: SharedGroup<V>[] = [];
  trie.match(topic, [], groups);
  return groups;
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}

function trieOf(filters: string[]): SubscriptionTrie<string> {
  const trie = new SubscriptionTrie<string>();
  for (const f of filters) trie.add(f, 'c', f);
  return trie;
}

test('exact filters match only their own topic', () => {
  const trie = trieOf(['a/b', 'a', 'a/b/c']);
  assert.deepEqual(matchValues(trie, 'a/b'), ['a/b']);
  assert.deepEqual(matchValues(trie, 'a'), ['a']);
  assert.deepEqual(matchValues(trie, 'a/c'), []);
  assert.deepEqual(matchValues(trie, 'a/b/c/d'), []);
});

test('[MQTT-4.7.1-2] # matches the parent level: sport/# matches sport', () => {
  const trie = trieOf(['sport/#', 'sport/tennis/#']);
  assert.deepEqual(matchValues(trie, 'sport'), ['sport/#']);
  assert.deepEqual(sorted(matchValues(trie, 'sport/tennis')), ['sport/#', 'sport/tennis/#']);
  assert.deepEqual(sorted(matchValues(trie, 'sport/tennis/player1/ranking')), ['sport/#', 'sport/tennis/#']);
  assert.deepEqual(matchValues(trie, 'sports'), []);
});

test('[MQTT-4.7.1-2] # alone matches every non-$ topic', () => {
  const trie = trieOf(['#']);
  for (const t of ['a', '/', 'a/b/c', '//', 'a//b']) assert.deepEqual(matchValues(trie, t), ['#'], t);
});

test('[MQTT-4.7.1-3] + matches exactly one level, including an empty one', () => {
  const trie = trieOf(['+', 'a/+', '+/+', 'a/+/c']);
  assert.deepEqual(matchValues(trie, 'x'), ['+']);
  assert.deepEqual(sorted(matchValues(trie, 'a/')), ['+/+', 'a/+']);
  assert.deepEqual(sorted(matchValues(trie, '/')), ['+/+']);
  assert.deepEqual(matchValues(trie, 'a//c'), ['a/+/c']);
  assert.deepEqual(matchValues(trie, 'a/b/c/d'), []);
  assert.deepEqual(sorted(matchValues(trie, '/finance')), ['+/+']);
});

test('empty levels are real levels', () => {
  const trie = trieOf(['a//b', '/a', 'a/', '/']);
  assert.deepEqual(matchValues(trie, 'a//b'), ['a//b']);
  assert.deepEqual(matchValues(trie, '/a'), ['/a']);
  assert.deepEqual(matchValues(trie, 'a/'), ['a/']);
  assert.deepEqual(matchValues(trie, '/'), ['/']);
  assert.deepEqual(matchValues(trie, 'a/b'), []);
  assert.deepEqual(matchValues(trie, 'a'), []);
});

test('[MQTT-4.7.2-1] filters starting with a wildcard do not match $ topics', () => {
  const trie = trieOf(['#', '+/uptime', '+/#', '$SYS/#', '$SYS/+', '$SYS/uptime']);
  assert.deepEqual(sorted(matchValues(trie, '$SYS/uptime')), ['$SYS/#', '$SYS/+', '$SYS/uptime']);
  assert.deepEqual(sorted(matchValues(trie, 'x/uptime')), ['#', '+/#', '+/uptime']);
  // A '$' below the first level is an ordinary character.
  assert.deepEqual(sorted(matchValues(trie, 'x/$SYS')), ['#', '+/#']);
});

test('a client with overlapping subscriptions appears once per matching filter', () => {
  const trie = new SubscriptionTrie<string>();
  trie.add('a/#', 'c1', 'c1:a/#');
  trie.add('a/+', 'c1', 'c1:a/+');
  trie.add('a/b', 'c1', 'c1:a/b');
  trie.add('a/b', 'c2', 'c2:a/b');
  assert.deepEqual(sorted(matchValues(trie, 'a/b')), ['c1:a/#', 'c1:a/+', 'c1:a/b', 'c2:a/b']);
});

test('add replaces the value of an existing (filter, key) and returns the old one', () => {
  const trie = new SubscriptionTrie<number>();
  assert.equal(trie.add('a/b', 'c1', 1), undefined);
  assert.equal(trie.add('a/b', 'c1', 2), 1);
  assert.equal(trie.size, 1);
  assert.equal(trie.filterCount, 1);
  assert.equal(trie.get('a/b', 'c1'), 2);
  assert.deepEqual(matchValues(trie, 'a/b'), [2]);
});

test('remove returns the value and leaves other keys and filters intact', () => {
  const trie = new SubscriptionTrie<string>();
  trie.add('a/+', 'c1', 'v1');
  trie.add('a/+', 'c2', 'v2');
  trie.add('a/+', 'c3', 'v3');
  trie.add('a/#', 'c1', 'w1');
  assert.equal(trie.remove('a/+', 'c1'), 'v1');
  assert.equal(trie.remove('a/+', 'c1'), undefined);
  assert.equal(trie.remove('a/+', 'nobody'), undefined);
  assert.equal(trie.remove('x/y', 'c1'), undefined);
  assert.equal(trie.get('a/+', 'c1'), undefined);
  assert.equal(trie.get('a/+', 'c3'), 'v3');
  assert.deepEqual(sorted(matchValues(trie, 'a/b')), ['v2', 'v3', 'w1']);
  assert.equal(trie.size, 3);
  assert.equal(trie.filterCount, 2);
});

test('removing every entry prunes the trie: size and filterCount return to 0', () => {
  const trie = new SubscriptionTrie<number>();
  const filters = ['a/b/c', 'a/+/c', 'a/#', '#', '+', '/', 'a//b', '$SYS/#'];
  for (const [i, f] of filters.entries()) {
    trie.add(f, 'c1', i);
    trie.add(f, 'c2', i);
    trie.addShared('g', f, 'c3', i);
  }
  assert.equal(trie.size, filters.length * 3);
  assert.equal(trie.filterCount, filters.length * 2);
  for (const f of filters) {
    trie.remove(f, 'c1');
    trie.remove(f, 'c2');
    trie.removeShared('g', f, 'c3');
  }
  assert.equal(trie.size, 0);
  assert.equal(trie.filterCount, 0);
  assert.deepEqual([...trie.entries()], []);
  assert.deepEqual(matchValues(trie, 'a/b/c'), []);
  // Pruned nodes are gone: re-adding still works and matches.
  trie.add('a/b/c', 'c1', 7);
  assert.deepEqual(matchValues(trie, 'a/b/c'), [7]);
});

test('pruning keeps ancestors that still hold entries or children', () => {
  const trie = new SubscriptionTrie<string>();
  trie.add('a', 'c', 'a');
  trie.add('a/b/c', 'c', 'abc');
  trie.add('a/b/d', 'c', 'abd');
  trie.remove('a/b/c', 'c');
  assert.deepEqual(matchValues(trie, 'a/b/d'), ['abd']);
  assert.deepEqual(matchValues(trie, 'a'), ['a']);
  trie.remove('a/b/d', 'c');
  assert.deepEqual(matchValues(trie, 'a'), ['a']);
  assert.deepEqual([...trie.entries()].map((e) => e.filter), ['a']);
});

test('[MQTT-4.8.2-2] shared groups are returned as groups, not values', () => {
  const trie = new SubscriptionTrie<string>();
  trie.addShared('g1', 'sport/+', 'c1', 'c1');
  trie.addShared('g1', 'sport/+', 'c2', 'c2');
  trie.addShared('g2', 'sport/+', 'c3', 'c3');
  trie.addShared('g1', 'sport/#', 'c1', 'c1#');
  trie.add('sport/+', 'c4', 'c4');
  const out: string[] = [];
  const groups: SharedGroup<string>[] = [];
  trie.match('sport/tennis', out, groups);
  assert.deepEqual(out, ['c4']);
  const seen = groups.map((g) => `${g.group}|${g.filter}|${sorted(g.members).join(',')}`).sort();
  assert.deepEqual(seen, ['g1|sport/#|c1#', 'g1|sport/+|c1,c2', 'g2|sport/+|c3']);
  assert.equal(trie.size, 5);
  assert.equal(trie.filterCount, 4);
});

test('shared entries: get, replace and remove are per group; the cursor stays in range', () => {
  const trie = new SubscriptionTrie<number>();
  assert.equal(trie.addShared('g', 'a', 'c1', 1), undefined);
  assert.equal(trie.addShared('g', 'a', 'c2', 2), undefined);
  assert.equal(trie.addShared('g', 'a', 'c1', 10), 1);
  assert.equal(trie.getShared('g', 'a', 'c1'), 10);
  assert.equal(trie.getShared('h', 'a', 'c1'), undefined);
  assert.equal(trie.get('a', 'c1'), undefined, 'shared entries are not non-shared entries');
  const [group] = matchGroups(trie, 'a');
  assert.ok(group);
  group.cursor = 1;
  assert.equal(trie.removeShared('g', 'a', 'c2'), 2);
  assert.equal(trie.removeShared('g', 'a', 'c2'), undefined);
  assert.equal(trie.removeShared('h', 'a', 'c1'), undefined);
  assert.deepEqual(group.members, [10]);
  assert.equal(group.cursor, 0);
  assert.equal(trie.removeShared('g', 'a', 'c1'), 10);
  assert.deepEqual(matchGroups(trie, 'a'), []);
  assert.equal(trie.size, 0);
  assert.equal(trie.filterCount, 0);
});

test('[MQTT-4.7.2-1] shared groups follow the $ rule too', () => {
  const trie = new SubscriptionTrie<string>();
  trie.addShared('g', '#', 'c1', 'c1');
  trie.addShared('g', '$SYS/#', 'c2', 'c2');
  assert.deepEqual(matchGroups(trie, '$SYS/x').map((g) => g.filter), ['$SYS/#']);
  assert.deepEqual(matchGroups(trie, 'x').map((g) => g.filter), ['#']);
});

test('entries lists every entry with its filter, key, value and group', () => {
  const trie = new SubscriptionTrie<number>();
  trie.add('a/#', 'c1', 1);
  trie.add('+', 'c2', 2);
  trie.addShared('g', 'a/b', 'c3', 3);
  const listed = [...trie.entries()].map((e) => `${e.group ?? '-'}|${e.filter}|${e.key}|${e.value}`).sort();
  assert.deepEqual(listed, ['-|+|c2|2', '-|a/#|c1|1', 'g|a/b|c3|3']);
});

test('every add, replace and remove shows in the next match; results are appended to the caller\'s arrays', () => {
  const trie = new SubscriptionTrie<string>();
  trie.add('a/+', 'c1', 'v1');
  assert.deepEqual(matchValues(trie, 'a/b'), ['v1']);
  assert.deepEqual(matchValues(trie, 'a/b'), ['v1'], 'same again');
  trie.add('a/#', 'c2', 'v2');
  assert.deepEqual(sorted(matchValues(trie, 'a/b')), ['v1', 'v2'], 'add invalidates');
  trie.add('a/+', 'c1', 'v1b');
  assert.deepEqual(sorted(matchValues(trie, 'a/b')), ['v1b', 'v2'], 'replace invalidates');
  trie.remove('a/#', 'c2');
  assert.deepEqual(matchValues(trie, 'a/b'), ['v1b'], 'remove invalidates');
  trie.addShared('g', 'a/b', 'c3', 'v3');
  assert.deepEqual(matchGroups(trie, 'a/b').map((g) => g.members), [['v3']], 'addShared invalidates');
  trie.removeShared('g', 'a/b', 'c3');
  assert.deepEqual(matchGroups(trie, 'a/b'), [], 'removeShared invalidates');
  for (const t of ['a/x', 'a/y', 'a/z', 'a/x']) assert.deepEqual(matchValues(trie, t), ['v1b'], t);
  // Results are appended after what the caller already had in `out`.
  const out = ['pre'];
  trie.match('a/x', out, []);
  assert.deepEqual(out, ['pre', 'v1b']);
});

test('[MQTT-4.7.3-3] topics and filters with 32 767 levels (the byte limit allows them) do not overflow the stack', () => {
  const levels = 32_767;
  const filter = Array<string>(levels).fill('+').join('/');
  const topic = Array<string>(levels).fill('a').join('/');
  const trie = new SubscriptionTrie<string>();
  trie.add(filter, 'c1', 'deep+');
  trie.add(topic, 'c1', 'deep-exact');
  trie.add('a/#', 'c1', 'a/#');
  assert.deepEqual(sorted(matchValues(trie, topic)), ['a/#', 'deep+', 'deep-exact']);
  trie.remove(filter, 'c1');
  trie.remove(topic, 'c1');
  trie.remove('a/#', 'c1');
  assert.equal(trie.filterCount, 0);
  assert.deepEqual([...trie.entries()], []);
});
