// Patterns used by auth rules: `*`/`?` globs for names, globs or CIDR blocks for addresses.
import { isIP } from 'node:net';
import { createAddressMatcher as createCidrMatcher } from '../../listeners/address-matcher.js';

/** A compiled pattern that tests one string. */
export type Matcher = (value: string) => boolean;

/** Compiles a glob where `*` matches any run of characters and `?` exactly one; everything else is literal. */
export function createGlobMatcher(pattern: string): Matcher {
  if (pattern === '*') return () => true;
  if (!pattern.includes('*') && !pattern.includes('?')) return (value) => value === pattern;
  let source = '^';
  for (const ch of pattern) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  const re = new RegExp(source + '$', 'u');
  return (value) => re.test(value);
}

/** Strips the IPv4-mapped IPv6 prefix dual-stack sockets report, so `10.0.0.0/8` matches `::ffff:10.1.2.3`. */
export function normalizeAddress(address: string): string {
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return address.slice(7);
  return address;
}

/** Compiles an address pattern: a CIDR block (`10.0.0.0/8`, `fd00::/8`), a plain address, or a glob. */
export function createAddressMatcher(pattern: string): Matcher {
  const slash = pattern.indexOf('/');
  if (slash !== -1) {
    try {
      return createCidrMatcher([pattern]);
    } catch {
      throw new Error(`invalid CIDR block: ${pattern}`);
    }
  }
  const glob = createGlobMatcher(normalizeAddress(pattern));
  return (value) => glob(normalizeAddress(value));
}
