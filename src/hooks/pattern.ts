// Patterns used by auth rules: `*`/`?` globs for names, globs or CIDR blocks for addresses.
import { BlockList, isIP } from 'node:net';

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
    const network = normalizeAddress(pattern.slice(0, slash));
    const prefix = Number(pattern.slice(slash + 1));
    const family = isIP(network);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new Error(`invalid CIDR block: ${pattern}`);
    }
    const list = new BlockList();
    const type = family === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(network, prefix, type);
    return (value) => {
      const address = normalizeAddress(value);
      const kind = isIP(address);
      if (kind === 0) return false;
      return list.check(address, kind === 4 ? 'ipv4' : 'ipv6');
    };
  }
  const glob = createGlobMatcher(normalizeAddress(pattern));
  return (value) => glob(normalizeAddress(value));
}
