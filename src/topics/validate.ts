// Topic name and topic filter validation, plus the reference matcher (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7).
// Spec ids differ between versions; both are cited as "3.1.1" and "5.0" where they differ.
import { Buffer } from 'node:buffer';

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;
const NUL = 0x00;

/** Largest UTF-8 encoded length of a topic name or filter, in bytes [MQTT-4.7.3-3]. */
export const MAX_TOPIC_BYTES = 65535;

// A UTF-16 code unit encodes to at most 3 UTF-8 bytes, so shorter strings need no byte count.
const SAFE_LENGTH = Math.floor(MAX_TOPIC_BYTES / 3);

function fitsInTopicBytes(s: string): boolean {
  return s.length <= SAFE_LENGTH || Buffer.byteLength(s, 'utf8') <= MAX_TOPIC_BYTES;
}

/** Returns whether `topic` may be used as a PUBLISH topic name. */
export function isValidTopicName(topic: string): boolean {
  const len = topic.length;
  if (len === 0) return false; // [MQTT-4.7.3-1]
  for (let i = 0; i < len; i++) {
    const c = topic.charCodeAt(i);
    // [MQTT-4.7.1-1] (3.1.1), [MQTT-4.7.0-1] (5.0), [MQTT-3.3.2-2]: no wildcards in a topic name.
    if (c === PLUS || c === HASH) return false;
    if (c === NUL) return false; // [MQTT-4.7.3-2]
  }
  return fitsInTopicBytes(topic); // [MQTT-4.7.3-3]
}

/**
 * A rule of section 4.7 that a (non-shared) topic filter can break: `empty` [MQTT-4.7.3-1], `nul` [MQTT-4.7.3-2],
 * `multi-level` ('#' not alone in the last level), `single-level` ('+' not alone in its level) or `too-long`
 * [MQTT-4.7.3-3].
 */
export type TopicFilterFault = 'empty' | 'nul' | 'multi-level' | 'single-level' | 'too-long';

/** Returns the first rule `filter` breaks (see TopicFilterFault), or null for a well-formed filter. */
export function topicFilterFault(filter: string): TopicFilterFault | null {
  const len = filter.length;
  if (len === 0) return 'empty'; // [MQTT-4.7.3-1]
  for (let i = 0; i < len; i++) {
    const c = filter.charCodeAt(i);
    if (c === NUL) return 'nul'; // [MQTT-4.7.3-2]
    if (c === PLUS || c === HASH) {
      const fault = c === HASH ? 'multi-level' : 'single-level';
      // A wildcard must fill its whole level: preceded by '/' or the start, followed by '/' or the end.
      // [MQTT-4.7.1-3] (3.1.1), [MQTT-4.7.1-2] (5.0) for '+'.
      if (i > 0 && filter.charCodeAt(i - 1) !== SLASH) return fault;
      if (c === HASH) {
        // [MQTT-4.7.1-2] (3.1.1), [MQTT-4.7.1-1] (5.0): '#' alone in the last level.
        if (i !== len - 1) return fault;
      } else if (i + 1 < len && filter.charCodeAt(i + 1) !== SLASH) {
        return fault;
      }
    }
  }
  return fitsInTopicBytes(filter) ? null : 'too-long'; // [MQTT-4.7.3-3]
}

/** Returns whether `filter` is a well-formed (non-shared) topic filter. */
export function isValidTopicFilter(filter: string): boolean {
  return topicFilterFault(filter) === null;
}

/** Returns whether `topic` starts with `$` (a server-specific topic such as `$SYS/...`). */
export function isSysTopic(topic: string): boolean {
  return topic.charCodeAt(0) === DOLLAR;
}

/** Returns whether `topic` is in the `$SYS` tree: the broker's own topics, which clients cannot publish to. */
export function isSysTree(topic: string): boolean {
  return topic.charCodeAt(0) === DOLLAR && topic.startsWith('$SYS');
}

/**
 * Returns whether the valid filter `filter` matches the valid topic name `topic`.
 *
 * This is the straightforward reference matcher used by tests and slow paths; the hot path uses
 * SubscriptionTrie. `$share/` prefixes are not understood here: pass the inner filter.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with '$'.
  if (isSysTopic(topic) && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    // '#' matches the parent level and everything below it, so "sport/#" matches "sport".
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True when `topic` (a name or filter) has more than `max` levels; stops counting once past it. */
export function exceedsTopicLevels(topic: string, max: number): boolean {
  let levels = 1;
  for (let at = topic.indexOf('/'); at !== -1; at = topic.indexOf('/', at + 1)) {
    if (++levels > max) return true;
  }
  return false;
}
