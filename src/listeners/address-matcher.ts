// Matches peer addresses against a list of trusted addresses and CIDR blocks.
import { BlockList, isIP } from 'node:net';

/** A predicate telling whether an address (as node reports it) is in the trusted list. */
export type AddressMatcher = (address: string) => boolean;

const MAPPED_V4 = '::ffff:';

/** Creates a matcher from addresses and CIDRs such as `10.0.0.0/8`, `127.0.0.1`, `::1`, `fd00::/8`; throws on a bad entry. */
export function createAddressMatcher(entries: readonly string[]): AddressMatcher {
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    if (family === 0) throw new TypeError(`not an IP address or CIDR: ${entry}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1) {
      list.addAddress(address, type);
    } else {
      const prefix = Number(entry.slice(slash + 1));
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new TypeError(`bad CIDR prefix: ${entry}`);
      }
      list.addSubnet(address, prefix, type);
    }
  }
  return (address: string): boolean => {
    const family = isIP(address);
    if (family === 4) return list.check(address, 'ipv4');
    if (family !== 6) return false;
    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; match them against IPv4 rules too.
    if (address.toLowerCase().startsWith(MAPPED_V4)) {
      const v4 = address.slice(MAPPED_V4.length);
      if (isIP(v4) === 4 && list.check(v4, 'ipv4')) return true;
    }
    return list.check(address, 'ipv6');
  };
}
