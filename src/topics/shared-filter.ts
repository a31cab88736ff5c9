// Parsing of shared subscription filters: $share/{ShareName}/{filter} (MQTT 5.0 §4.8.2).
import { isValidTopicFilter } from './validate.js';

const PREFIX = '$share/';

/** A parsed shared subscription: the share name and the inner topic filter. */
export interface SharedFilter {
  readonly group: string;
  readonly filter: string;
}

/**
 * Splits a `$share/group/filter` subscription into its group and inner filter.
 *
 * Returns `null` when `filter` is not a shared subscription and `'invalid'` when it starts with
 * `$share/` but the share name or the inner filter is malformed.
 */
export function parseSharedFilter(filter: string): SharedFilter | null | 'invalid' {
  if (!filter.startsWith(PREFIX)) return null;
  const slash = filter.indexOf('/', PREFIX.length);
  // [MQTT-4.8.2-2]: the share name must be followed by '/' and a topic filter.
  if (slash === -1) return 'invalid';
  const group = filter.substring(PREFIX.length, slash);
  // [MQTT-4.8.2-1]: the share name is at least one character long.
  if (group.length === 0) return 'invalid';
  // [MQTT-4.8.2-2]: the share name contains no '+' or '#' ('/' is excluded by construction).
  if (group.includes('+') || group.includes('#')) return 'invalid';
  if (group.includes('\u0000')) return 'invalid'; // [MQTT-4.7.3-2]
  const inner = filter.substring(slash + 1);
  if (!isValidTopicFilter(inner)) return 'invalid'; // [MQTT-4.8.2-2]
  return { group, filter: inner };
}

/** FNV-1a over UTF-16 code units: a stable, cheap hash for sticky shared-subscription picks (strategy 'hash'). */
export function stickyHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
