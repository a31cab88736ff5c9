// $share/{ShareName}/{filter} parsing (MQTT 5.0 §4.8.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSharedFilter } from '../../src/topics/shared-filter.js';

test('non-shared filters return null', () => {
  for (const f of ['a/b', '#', '$SYS/#', '$share', '$sharex/g/a', 'x/$share/g/a']) assert.equal(parseSharedFilter(f), null, f);
});

test('[MQTT-4.8.2-1] [MQTT-4.8.2-2] well-formed shared filters give the group and inner filter', () => {
  assert.deepEqual(parseSharedFilter('$share/g/a/b'), { group: 'g', filter: 'a/b' });
  assert.deepEqual(parseSharedFilter('$share/consumers/sport/#'), { group: 'consumers', filter: 'sport/#' });
  assert.deepEqual(parseSharedFilter('$share/g/#'), { group: 'g', filter: '#' });
  assert.deepEqual(parseSharedFilter('$share/g//'), { group: 'g', filter: '/' });
  assert.deepEqual(parseSharedFilter('$share/g/+/x'), { group: 'g', filter: '+/x' });
});

test('[MQTT-4.8.2-1] the share name is at least one character long', () => {
  assert.equal(parseSharedFilter('$share//a'), 'invalid');
  assert.equal(parseSharedFilter('$share/'), 'invalid');
});

test('[MQTT-4.8.2-2] the share name has no + or # and is followed by / and a filter', () => {
  assert.equal(parseSharedFilter('$share/g+/a'), 'invalid');
  assert.equal(parseSharedFilter('$share/#/a'), 'invalid');
  assert.equal(parseSharedFilter('$share/+/a'), 'invalid');
  assert.equal(parseSharedFilter('$share/group'), 'invalid');
  assert.equal(parseSharedFilter('$share/group/'), 'invalid');
  assert.equal(parseSharedFilter('$share/group/a#'), 'invalid');
  assert.equal(parseSharedFilter('$share/group/a/#/b'), 'invalid');
});

test('[MQTT-4.7.3-2] the null character is rejected in the share name', () => {
  assert.equal(parseSharedFilter('$share/g\u0000/a'), 'invalid');
  assert.equal(parseSharedFilter('$share/g/a\u0000'), 'invalid');
});
