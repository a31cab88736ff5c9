// Topic micro-benchmarks: subscription trie match throughput and retained index lookups. Run: npm run bench:topics
import { performance } from 'node:perf_hooks';
import { SubscriptionTrie } from '../src/topics/subscription-trie.js';
import type { SharedGroup } from '../src/topics/subscription-trie.js';
import { RetainedIndex } from '../src/topics/retained-index.js';

/** Deterministic PRNG (mulberry32) so every run measures the same workload. */
function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = createRandom(42);
const pick = (n: number): number => Math.floor(random() * n);

/** Runs `fn` for at least `ms` milliseconds after a warm-up and prints operations per second. */
function measure(name: string, ms: number, fn: () => number): void {
  const warmEnd = performance.now() + ms / 4;
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) sink += fn();
    ops += 100;
    now = performance.now();
  }
  const perSec = (ops * 1000) / (now - start);
  console.log(`${name.padEnd(58)} ${Math.round(perSec).toLocaleString('en-US').padStart(14)} ops/s  (${(1e6 / perSec).toFixed(2)} µs/op, checksum ${sink})`);
}

const out: number[] = [];
const groups: SharedGroup<number>[] = [];

function matchCount(trie: SubscriptionTrie<number>, topic: string): number {
  out.length = 0;
  groups.length = 0;
  trie.match(topic, out, groups);
  return out.length + groups.length;
}

// 1. 10k exact subscriptions, publishes to random subscribed topics and to 256 hot ones.
{
  const topics: string[] = [];
  for (let i = 0; i < 10_000; i++) topics.push(`site${i % 50}/building${i % 7}/device${i}/temperature`);
  const plain = new SubscriptionTrie<number>();
  topics.forEach((topic, i) => plain.add(topic, `client${i}`, i));
  // Fresh string objects, as the parser would produce for each PUBLISH (no cached hash).
  const fresh = (t: string): string => Buffer.from(t, 'latin1').toString('latin1');
  const hot = topics.slice(0, 256).map(fresh);
  const randomTopics = topics.map(fresh);
  let k = 0;
  measure('trie: 10k exact subs, random exact topics', 1000, () => matchCount(plain, randomTopics[(k = (k + 7919) % 10_000)]!));
  measure('trie: 10k exact subs, 256 hot topics', 1000, () => matchCount(plain, hot[(k = (k + 1) & 255)]!));
}

// 2. 10k mixed wildcard filters, publishes to random device topics.
{
  const trie = new SubscriptionTrie<number>();
  for (let i = 0; i < 10_000; i++) {
    const s = pick(50);
    const d = pick(1000);
    let filter: string;
    switch (i % 5) {
      case 0: filter = `site${s}/+/device${d}/temperature`; break;
      case 1: filter = `site${s}/building${pick(7)}/#`; break;
      case 2: filter = `+/building${pick(7)}/device${d}/+`; break;
      case 3: filter = `site${s}/building${pick(7)}/device${d}/temperature`; break;
      default: filter = `site${s}/+/+/humidity`; break;
    }
    trie.add(filter, `client${i}`, i);
  }
  trie.addShared('workers', 'site1/#', 'w1', -1);
  const topics: string[] = [];
  for (let i = 0; i < 4096; i++) topics.push(`site${pick(50)}/building${pick(7)}/device${pick(1000)}/${i % 2 === 0 ? 'temperature' : 'humidity'}`);
  let k = 0;
  measure('trie: 10k mixed wildcard filters, random topics', 1000, () => matchCount(trie, topics[(k = (k + 1) & 4095)]!));
}

// 3. 100k retained topics: '#', 'a/+/c'-style and exact lookups.
{
  const index = new RetainedIndex<number>();
  // 100 000 distinct topics over 1000 second levels; 1000 of them end in 'c'.
  for (let i = 0; i < 100_000; i++) index.set(`a/${i % 1000}/${i < 1000 ? 'c' : `x${i}`}`, i);
  index.set('$SYS/uptime', -1);
  const found: number[] = [];
  const lookup = (filter: string): number => {
    found.length = 0;
    index.match(filter, found);
    return found.length;
  };
  const t0 = performance.now();
  const all = lookup('#');
  console.log(`retained: first '#' over ${index.size.toLocaleString('en-US')} topics found ${all} in ${(performance.now() - t0).toFixed(1)} ms`);
  measure(`retained: 100k topics, match '#'`, 2000, () => lookup('#'));
  measure(`retained: 100k topics, match 'a/+/c' (1000 hits)`, 1000, () => lookup('a/+/c'));
  let k = 0;
  measure(`retained: 100k topics, match 'a/<n>/+' (100 hits)`, 1000, () => lookup(`a/${(k = (k + 1) % 1000)}/+`));
  measure(`retained: 100k topics, exact get`, 1000, () => lookup(`a/${(k = (k + 1) % 1000)}/c`));
}
