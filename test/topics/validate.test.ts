// Topic name / filter validation and the reference matcher. Spec ids: 3.1.1 numbering unless marked (5.0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSysTopic, isValidTopicFilter, isValidTopicName, topicFilterFault, topicMatches, MAX_TOPIC_BYTES } from '../../src/topics/validate.js';

test('[MQTT-4.7.3-1] topic names and filters are at least one character long', () => {
  assert.equal(isValidTopicName(''), false);
  assert.equal(isValidTopicFilter(''), false);
  assert.equal(isValidTopicName('a'), true);
  assert.equal(isValidTopicFilter('a'), true);
});

test('[MQTT-4.7.1-1] [MQTT-3.3.2-2] (5.0: [MQTT-4.7.0-1]) topic names contain no wildcards', () => {
  for (const t of ['+', '#', 'a/+', 'a/#', 'a+b', 'sport/tennis#', '+/a']) assert.equal(isValidTopicName(t), false, t);
  for (const t of ['/', '//', 'a//b', '/a', 'a/', '$SYS/x', 'a b/ü/€']) assert.equal(isValidTopicName(t), true, t);
});

test('[MQTT-4.7.3-2] the null character is rejected in names and filters', () => {
  assert.equal(isValidTopicName('a\u0000b'), false);
  assert.equal(isValidTopicFilter('a/\u0000'), false);
});

test('[MQTT-4.7.3-3] names and filters encode to at most 65535 UTF-8 bytes', () => {
  assert.equal(isValidTopicName('a'.repeat(MAX_TOPIC_BYTES)), true);
  assert.equal(isValidTopicName('a'.repeat(MAX_TOPIC_BYTES + 1)), false);
  // 'é' is two UTF-8 bytes: the limit is on bytes, not UTF-16 units.
  assert.equal(isValidTopicName('é'.repeat(32767) + 'a'), true);
  assert.equal(isValidTopicName('é'.repeat(32768)), false);
  assert.equal(isValidTopicFilter('é'.repeat(32768)), false);
  assert.equal(isValidTopicFilter('é'.repeat(32767) + '/#'), false);
  assert.equal(isValidTopicFilter('é'.repeat(32766) + '/#'), true);
});

test('[MQTT-4.7.1-2] (5.0: [MQTT-4.7.1-1]) # is alone in the last level', () => {
  for (const f of ['#', 'a/#', '/#', 'a//#', '+/#', '$SYS/#']) assert.equal(isValidTopicFilter(f), true, f);
  for (const f of ['a#', 'a/#/b', '#/', '#/a', 'a/b#', '##', 'a/#/#', 'a/#+']) assert.equal(isValidTopicFilter(f), false, f);
});

test('[MQTT-4.7.1-3] (5.0: [MQTT-4.7.1-2]) + occupies an entire level', () => {
  for (const f of ['+', '+/+', '/+', '+/', 'a/+/b', '+/a/#']) assert.equal(isValidTopicFilter(f), true, f);
  for (const f of ['a+', '+a', 'a/+b/c', 'a/b+', '++', '+#']) assert.equal(isValidTopicFilter(f), false, f);
});

test('topicFilterFault names the first rule a filter breaks, and null for a valid one', () => {
  const cases: [string, string | null][] = [
    ['a/#', null], ['+/x', null], ['', 'empty'], ['a\u0000', 'nul'], ['#/a', 'multi-level'], ['a/#/b', 'multi-level'],
    ['a#', 'multi-level'], ['a+', 'single-level'], ['+a/b', 'single-level'], ['a+/#/b', 'single-level'], ['é'.repeat(32768), 'too-long'],
  ];
  for (const [f, fault] of cases) assert.equal(topicFilterFault(f), fault, JSON.stringify(f));
});

test('isSysTopic is true exactly for topics starting with $', () => {
  assert.equal(isSysTopic('$SYS/broker'), true);
  assert.equal(isSysTopic('$'), true);
  assert.equal(isSysTopic('a/$SYS'), false);
  assert.equal(isSysTopic(''), false);
});

test('[MQTT-4.7.1-2] topicMatches: # matches the parent level and everything below', () => {
  assert.equal(topicMatches('sport/#', 'sport'), true);
  assert.equal(topicMatches('sport/#', 'sport/'), true);
  assert.equal(topicMatches('sport/#', 'sport/tennis/player1'), true);
  assert.equal(topicMatches('sport/#', 'sports'), false);
  assert.equal(topicMatches('#', 'a/b/c'), true);
  assert.equal(topicMatches('#', '/'), true);
});

test('[MQTT-4.7.1-3] topicMatches: + matches exactly one level, including an empty one', () => {
  assert.equal(topicMatches('sport/+', 'sport/tennis'), true);
  assert.equal(topicMatches('sport/+', 'sport/'), true);
  assert.equal(topicMatches('sport/+', 'sport'), false);
  assert.equal(topicMatches('sport/+', 'sport/tennis/x'), false);
  assert.equal(topicMatches('+/+', '/finance'), true);
  assert.equal(topicMatches('/+', '/finance'), true);
  assert.equal(topicMatches('+', '/finance'), false);
  assert.equal(topicMatches('a/+/b', 'a//b'), true);
});

test('topicMatches: empty levels are real levels', () => {
  assert.equal(topicMatches('a//b', 'a//b'), true);
  assert.equal(topicMatches('a/b', 'a//b'), false);
  assert.equal(topicMatches('/a', 'a'), false);
  assert.equal(topicMatches('a/', 'a'), false);
});

test('[MQTT-4.7.2-1] topicMatches: leading wildcards do not match $ topics', () => {
  assert.equal(topicMatches('#', '$SYS/uptime'), false);
  assert.equal(topicMatches('+/uptime', '$SYS/uptime'), false);
  assert.equal(topicMatches('$SYS/#', '$SYS/uptime'), true);
  assert.equal(topicMatches('$SYS/+', '$SYS/uptime'), true);
  assert.equal(topicMatches('a/#', 'a/$SYS'), true);
});
