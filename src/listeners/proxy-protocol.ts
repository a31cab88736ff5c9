// PROXY protocol v1 (text) and v2 (binary) header decoding, bounded and incremental-friendly.

/** The addresses a proxy reports for the client side of a connection. */
export interface ProxiedAddress {
  /** Client address (IPv4, IPv6, or a Unix socket path). */
  readonly sourceAddress: string;
  /** Client port, 0 for Unix sockets. */
  readonly sourcePort: number;
  /** Address the client connected to on the proxy. */
  readonly destinationAddress: string;
  /** Port the client connected to on the proxy, 0 for Unix sockets. */
  readonly destinationPort: number;
}

/** Result of looking at the first bytes of a connection for a PROXY header. */
export type ProxyHeaderResult =
  /** More bytes are needed to decide. */
  | { readonly kind: 'incomplete' }
  /** A full header of `length` bytes; `address` is undefined for LOCAL/UNKNOWN/UNSPEC (use the socket's address). */
  | { readonly kind: 'header'; readonly length: number; readonly version: 1 | 2; readonly address: ProxiedAddress | undefined }
  /** Not a valid PROXY header (the reason says why). */
  | { readonly kind: 'invalid'; readonly reason: string };

/** Longest v1 header, CRLF included (the spec's own bound). */
export const PROXY_V1_MAX_LENGTH = 107;
/** Longest v2 address block plus TLVs we accept; caps memory per half-open connection. */
export const PROXY_V2_MAX_PAYLOAD = 2048;

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_HEADER_LENGTH = 16;
const INCOMPLETE: ProxyHeaderResult = { kind: 'incomplete' };

/** Decodes a PROXY v1 or v2 header at the start of `buf`; never reads past the bounds above. */
export function decodeProxyHeader(buf: Buffer): ProxyHeaderResult {
  if (buf.length === 0) return INCOMPLETE;
  const first = buf[0];
  if (first === V1_PREFIX[0]) return decodeV1(buf);
  if (first === V2_SIGNATURE[0]) return decodeV2(buf);
  return invalid('no PROXY signature');
}

function invalid(reason: string): ProxyHeaderResult {
  return { kind: 'invalid', reason };
}

/** True when `buf` agrees with `expected` over their common length. */
function prefixMatches(buf: Buffer, expected: Buffer): boolean {
  const n = Math.min(buf.length, expected.length);
  return buf.compare(expected, 0, n, 0, n) === 0;
}

function decodeV1(buf: Buffer): ProxyHeaderResult {
  if (!prefixMatches(buf, V1_PREFIX)) return invalid('no PROXY signature');
  const limit = Math.min(buf.length, PROXY_V1_MAX_LENGTH);
  const lf = buf.subarray(0, limit).indexOf(0x0a);
  if (lf === -1) {
    return buf.length >= PROXY_V1_MAX_LENGTH ? invalid('v1 header longer than 107 bytes') : INCOMPLETE;
  }
  if (lf === 0 || buf[lf - 1] !== 0x0d) return invalid('v1 header not terminated by CRLF');
  const line = buf.toString('latin1', V1_PREFIX.length, lf - 1);
  const parts = line.split(' ');
  const length = lf + 1;
  if (parts[0] === 'UNKNOWN') return { kind: 'header', length, version: 1, address: undefined };
  if (parts.length !== 5) return invalid('v1 header needs protocol, two addresses and two ports');
  const [proto, src, dst, sport, dport] = parts as [string, string, string, string, string];
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (family === 0) return invalid(`v1 unknown protocol ${proto}`);
  if (!isAddressOfFamily(src, family) || !isAddressOfFamily(dst, family)) return invalid('v1 bad address');
  const sourcePort = decodePort(sport);
  const destinationPort = decodePort(dport);
  if (sourcePort < 0 || destinationPort < 0) return invalid('v1 bad port');
  return { kind: 'header', length, version: 1, address: { sourceAddress: src, sourcePort, destinationAddress: dst, destinationPort } };
}

const V4_PATTERN = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isAddressOfFamily(address: string, family: 4 | 6): boolean {
  if (family === 4) return V4_PATTERN.test(address);
  // A light IPv6 check; the exact text is only reported, never routed on.
  return address.length > 1 && address.length <= 45 && /^[0-9a-fA-F:.]+$/.test(address) && address.includes(':');
}

/** Decimal port 0..65535 without leading zeros, or -1. */
function decodePort(text: string): number {
  if (!/^(?:0|[1-9]\d{0,4})$/.test(text)) return -1;
  const port = Number(text);
  return port <= 65535 ? port : -1;
}

function decodeV2(buf: Buffer): ProxyHeaderResult {
  if (!prefixMatches(buf, V2_SIGNATURE)) return invalid('no PROXY signature');
  if (buf.length < V2_HEADER_LENGTH) return INCOMPLETE;
  const verCmd = buf.readUInt8(12);
  if (verCmd >> 4 !== 2) return invalid('v2 unsupported version');
  const command = verCmd & 0x0f;
  if (command > 1) return invalid('v2 unknown command');
  const famProto = buf.readUInt8(13);
  const payloadLength = buf.readUInt16BE(14);
  if (payloadLength > PROXY_V2_MAX_PAYLOAD) return invalid(`v2 header longer than ${PROXY_V2_MAX_PAYLOAD + V2_HEADER_LENGTH} bytes`);
  const length = V2_HEADER_LENGTH + payloadLength;
  if (buf.length < length) return INCOMPLETE;
  // LOCAL: the proxy's own connection (health checks); the socket's address is the truth.
  if (command === 0) return { kind: 'header', length, version: 2, address: undefined };
  const family = famProto >> 4;
  const p = V2_HEADER_LENGTH;
  switch (family) {
    case 0x0:
      return { kind: 'header', length, version: 2, address: undefined };
    case 0x1: {
      if (payloadLength < 12) return invalid('v2 IPv4 address block too short');
      return {
        kind: 'header', length, version: 2,
        address: {
          sourceAddress: formatV4(buf, p), destinationAddress: formatV4(buf, p + 4),
          sourcePort: buf.readUInt16BE(p + 8), destinationPort: buf.readUInt16BE(p + 10),
        },
      };
    }
    case 0x2: {
      if (payloadLength < 36) return invalid('v2 IPv6 address block too short');
      return {
        kind: 'header', length, version: 2,
        address: {
          sourceAddress: formatV6(buf, p), destinationAddress: formatV6(buf, p + 16),
          sourcePort: buf.readUInt16BE(p + 32), destinationPort: buf.readUInt16BE(p + 34),
        },
      };
    }
    case 0x3: {
      if (payloadLength < 216) return invalid('v2 Unix address block too short');
      return {
        kind: 'header', length, version: 2,
        address: { sourceAddress: formatPath(buf, p), sourcePort: 0, destinationAddress: formatPath(buf, p + 108), destinationPort: 0 },
      };
    }
    default:
      return invalid('v2 unknown address family');
  }
  // TLVs after the address block are skipped: `length` already covers them.
}

function formatV4(buf: Buffer, at: number): string {
  return `${buf[at] ?? 0}.${buf[at + 1] ?? 0}.${buf[at + 2] ?? 0}.${buf[at + 3] ?? 0}`;
}

/** Formats 16 bytes as IPv6 text with the longest zero run compressed (RFC 5952). */
function formatV6(buf: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(at + i * 2));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function formatPath(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end === -1 || end > at + 108 ? at + 108 : end);
}
