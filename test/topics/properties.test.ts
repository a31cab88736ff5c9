// Property tests: the trie and the retained index agree with the reference matcher `topicMatches`,
// and random add/remove sequences leave the trie equal to a plain array model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { topicMatches, isValidTopicFilter, isValidTopicName } from '../../src/topics/validate.js';
import { SubscriptionTrie } from '../../src/topics/subscription-trie.js';
import type { SharedGroup } from '../../src/topics/subscription-trie.js';
import { RetainedIndex } from '../../src/topics/retained-index.js';

// A small alphabet makes collisions (and so matches) likely; '' gives empty levels, '$SYS'/'$x' test [MQTT-4.7.2-1].
const nameLevel = fc.constantFrom('', 'a', 'b', 'ab', '$SYS', '$x');
const topicArb = fc.array(nameLevel, { minLength: 1, maxLength: 5 }).map((levels) => levels.join('/')).filter((t) => t.length > 0);
const filterArb = fc
  .tuple(fc.array(fc.oneof(nameLevel, fc.constant('+')), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .map((f) => (f.length === 0 ? '#' : f));
const hashOnly = fc.constant('#');
const anyFilter = fc.oneof({ weight: 9, arbitrary: filterArb }, { weight: 1, arbitrary: hashOnly });

test('generators produce valid filters and topic names', () => {
  fc.assert(fc.property(anyFilter, topicArb, (f, t) => isValidTopicFilter(f) && isValidTopicName(t)));
});

test('[MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.2-1] SubscriptionTrie.match returns exactly the entries topicMatches accepts', () => {
  fc.assert(
    fc.property(fc.uniqueArray(anyFilter, { maxLength: 30 }), fc.array(topicArb, { minLength: 1, maxLength: 10 }), (filters, topics) => {
      const trie = new SubscriptionTrie<string>();
      for (const f of filters) {
        trie.add(f, 'c1', f);
        trie.addShared('g', f, 'c2', f);
      }
      for (const topic of topics) {
        const out: string[] = [];
        const groups: SharedGroup<string>[] = [];
        trie.match(topic, out, groups);
        const expected = filters.filter((f) => topicMatches(f, topic)).sort();
        assert.deepEqual(out.sort(), expected, topic);
        assert.deepEqual(groups.map((g) => g.filter).sort(), expected, topic);
      }
    }),
    { numRuns: 300 },
  );
});

test('[MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.2-1] RetainedIndex.match returns exactly the topics topicMatches accepts', () => {
  fc.assert(
    fc.property(fc.uniqueArray(topicArb, { maxLength: 40 }), fc.array(anyFilter, { minLength: 1, maxLength: 10 }), (topics, filters) => {
      const index = new RetainedIndex<string>();
      for (const t of topics) index.set(t, t);
      for (const filter of filters) {
        const out: string[] = [];
        index.match(filter, out);
        assert.deepEqual(out.sort(), topics.filter((t) => topicMatches(filter, t)).sort(), filter);
      }
    }),
    { numRuns: 300 },
  );
});

type Op = { kind: 'add' | 'remove'; shared: boolean; filter: string; key: string; value: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('add' as const, 'remove' as const),
  shared: fc.boolean(),
  filter: anyFilter,
  key: fc.constantFrom('c1', 'c2', 'c3'),
  value: fc.integer(),
});

test('random add/remove sequences leave the trie equal to an array model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), topicArb, (ops, topic) => {
      const trie = new SubscriptionTrie<number>();
      const model: { group: string | undefined; filter: string; key: string; value: number }[] = [];
      for (const op of ops) {
        trie.match(topic, [], []);
        const group = op.shared ? 'g' : undefined;
        const at = model.findIndex((m) => m.group === group && m.filter === op.filter && m.key === op.key);
        const previous = at === -1 ? undefined : model[at]!.value;
        if (op.kind === 'add') {
          const got = op.shared ? trie.addShared('g', op.filter, op.key, op.value) : trie.add(op.filter, op.key, op.value);
          assert.equal(got, previous);
          if (at === -1) model.push({ group, filter: op.filter, key: op.key, value: op.value });
          else model[at]!.value = op.value;
        } else {
          const got = op.shared ? trie.removeShared('g', op.filter, op.key) : trie.remove(op.filter, op.key);
          assert.equal(got, previous);
          if (at !== -1) model.splice(at, 1);
        }
      }
      const show = (e: { group: string | undefined; filter: string; key: string; value: number }): string =>
        `${e.group ?? '-'}|${e.filter}|${e.key}|${e.value}`;
      assert.deepEqual([...trie.entries()].map(show).sort(), model.map(show).sort());
      assert.equal(trie.size, model.length);
      assert.equal(trie.filterCount, new Set(model.map((m) => `${m.group ?? '-'}|${m.filter}`)).size);
      for (const m of model) {
        assert.equal(m.group === undefined ? trie.get(m.filter, m.key) : trie.getShared(m.group, m.filter, m.key), m.value);
      }
      const out: number[] = [];
      trie.match(topic, out, []);
      const expected = model.filter((m) => m.group === undefined && topicMatches(m.filter, topic)).map((m) => m.value);
      assert.deepEqual(out.sort(), expected.sort());
    }),
    { numRuns: 300 },
  );
});
