// Matches peer addresses against a list of addresses and CIDR blocks (trusted proxies, auth rules).
import { BlockList, isIP } from 'node:net';

/** A predicate telling whether an address (as node reports it) is in the list. */
export type AddressMatcher = (address: string) => boolean;

const MAPPED_V4 = '::ffff:';

/**
 * Parses a dotted IPv4 address into an unsigned 32-bit number; -1 when it is not one.
 * IPv4 is checked by hand because BlockList.check builds a SocketAddress per call, which showed in
 * connection-rate profiles (it runs once per connect for the default auth rules).
 */
export function parseIPv4(address: string): number {
  const len = address.length;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = address.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return -1; // no leading zeros, as isIP()
      part = part * 10 + (c - 0x30);
      if (part > 255 || ++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** Creates a matcher from addresses and CIDRs such as `10.0.0.0/8`, `127.0.0.1`, `::1`, `fd00::/8`; throws on a bad entry. */
export function createAddressMatcher(entries: readonly string[]): AddressMatcher {
  // IPv4 rules as [network, prefix length] pairs; IPv6 rules in a BlockList.
  const v4: number[] = [];
  let v6: BlockList | undefined;
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    let address = slash === -1 ? entry : entry.slice(0, slash);
    if (address.toLowerCase().startsWith(MAPPED_V4) && isIP(address.slice(MAPPED_V4.length)) === 4) address = address.slice(MAPPED_V4.length);
    const family = isIP(address);
    if (family === 0) throw new TypeError(`not an IP address or CIDR: ${entry}`);
    const max = family === 4 ? 32 : 128;
    const prefix = slash === -1 ? max : Number(entry.slice(slash + 1));
    if (slash !== -1 && (entry.length === slash + 1 || !Number.isInteger(prefix) || prefix < 0 || prefix > max)) {
      throw new TypeError(`bad CIDR prefix: ${entry}`);
    }
    if (family === 4) {
      v4.push(maskV4(parseIPv4(address), prefix), prefix);
    } else {
      v6 ??= new BlockList();
      v6.addSubnet(address, prefix, 'ipv6');
    }
  }
  const matchV4 = (ip: number): boolean => {
    for (let i = 0; i < v4.length; i += 2) if (maskV4(ip, v4[i + 1]!) === v4[i]) return true;
    return false;
  };
  return (address: string): boolean => {
    const ip = parseIPv4(address);
    if (ip !== -1) return matchV4(ip);
    if (isIP(address) !== 6) return false;
    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; match them against IPv4 rules too.
    if (address.length > MAPPED_V4.length && address.slice(0, MAPPED_V4.length).toLowerCase() === MAPPED_V4) {
      const mapped = parseIPv4(address.slice(MAPPED_V4.length));
      if (mapped !== -1 && matchV4(mapped)) return true;
    }
    return v6 !== undefined && v6.check(address, 'ipv6');
  };
}

/** The first `prefix` bits of an IPv4 address, as an unsigned number. */
function maskV4(ip: number, prefix: number): number {
  if (prefix === 0) return 0;
  return (ip & (0xffffffff << (32 - prefix))) >>> 0;
}
