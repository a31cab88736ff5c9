// RetainedIndex unit tests: one value per topic name, looked up by topic filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetainedIndex } from '../../src/topics/retained-index.js';

function indexOf(topics: string[]): RetainedIndex<string> {
  const index = new RetainedIndex<string>();
  for (const t of topics) index.set(t, t);
  return index;
}

function matchSorted(index: RetainedIndex<string>, filter: string): string[] {
  const out: string[] = [];
  index.match(filter, out);
  return out.sort();
}

const TOPICS = ['sport', 'sport/tennis', 'sport/tennis/player1', 'sport/golf', 'a//b', '/a', 'a/', '/', '$SYS/uptime', 'x/$SYS'];

test('set, get, replace and delete', () => {
  const index = new RetainedIndex<number>();
  assert.equal(index.set('a/b', 1), undefined);
  assert.equal(index.set('a/b', 2), 1);
  assert.equal(index.get('a/b'), 2);
  assert.equal(index.get('a'), undefined);
  assert.equal(index.size, 1);
  assert.equal(index.delete('a'), undefined);
  assert.equal(index.delete('a/b'), 2);
  assert.equal(index.delete('a/b'), undefined);
  assert.equal(index.size, 0);
});

test('exact filters find only their own topic', () => {
  const index = indexOf(TOPICS);
  assert.deepEqual(matchSorted(index, 'sport/tennis'), ['sport/tennis']);
  assert.deepEqual(matchSorted(index, 'sport/x'), []);
  assert.deepEqual(matchSorted(index, '$SYS/uptime'), ['$SYS/uptime']);
});

test('[MQTT-4.7.1-2] # matches the parent level and everything below', () => {
  const index = indexOf(TOPICS);
  assert.deepEqual(matchSorted(index, 'sport/#'), ['sport', 'sport/golf', 'sport/tennis', 'sport/tennis/player1']);
  assert.deepEqual(matchSorted(index, 'sport/tennis/#'), ['sport/tennis', 'sport/tennis/player1']);
  assert.deepEqual(matchSorted(index, 'a/#'), ['a/', 'a//b']);
});

test('[MQTT-4.7.2-1] # and leading + skip $ topics; $SYS/# finds them', () => {
  const index = indexOf(TOPICS);
  assert.deepEqual(matchSorted(index, '#'), TOPICS.filter((t) => !t.startsWith('$')).sort());
  assert.deepEqual(matchSorted(index, '+/uptime'), []);
  assert.deepEqual(matchSorted(index, '+/$SYS'), ['x/$SYS']);
  assert.deepEqual(matchSorted(index, '$SYS/#'), ['$SYS/uptime']);
  assert.deepEqual(matchSorted(index, '$SYS/+'), ['$SYS/uptime']);
});

test('[MQTT-4.7.1-3] + matches exactly one level, including an empty one', () => {
  const index = indexOf(TOPICS);
  assert.deepEqual(matchSorted(index, 'sport/+'), ['sport/golf', 'sport/tennis']);
  assert.deepEqual(matchSorted(index, '+'), ['sport']);
  assert.deepEqual(matchSorted(index, '+/+'), ['/', '/a', 'a/', 'sport/golf', 'sport/tennis', 'x/$SYS']);
  assert.deepEqual(matchSorted(index, 'a/+/b'), ['a//b']);
  assert.deepEqual(matchSorted(index, '+/+/#'), ['/', '/a', 'a/', 'a//b', 'sport/golf', 'sport/tennis', 'sport/tennis/player1', 'x/$SYS']);
});

test('deleting prunes levels; values() and entries() follow the contents', () => {
  const index = indexOf(['a/b/c', 'a/b', 'a/x']);
  index.delete('a/b/c');
  assert.deepEqual(matchSorted(index, 'a/#'), ['a/b', 'a/x']);
  assert.deepEqual(matchSorted(index, 'a/b/+'), []);
  index.delete('a/b');
  index.delete('a/x');
  assert.equal(index.size, 0);
  assert.deepEqual(matchSorted(index, '#'), []);
  index.set('a/b/c', 'again');
  assert.deepEqual(matchSorted(index, 'a/+/c'), ['again']);
  assert.deepEqual([...index.values()], ['again']);
  assert.deepEqual([...index.entries()], [['a/b/c', 'again']]);
});

test('[MQTT-4.7.3-3] topics and filters with 32 767 levels do not overflow the stack', () => {
  const levels = 32_767;
  const topic = Array<string>(levels).fill('a').join('/');
  const index = indexOf([topic, 'a']);
  assert.deepEqual(matchSorted(index, '#'), [topic, 'a'].sort());
  assert.deepEqual(matchSorted(index, Array<string>(levels).fill('+').join('/')), [topic]);
  assert.deepEqual(matchSorted(index, Array<string>(levels - 1).fill('+').join('/') + '/#'), [topic]);
  index.delete(topic);
  assert.deepEqual(matchSorted(index, '#'), ['a']);
});
