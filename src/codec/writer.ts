// Offset-based writers into a preallocated Buffer: each returns the offset after what it wrote.

/** Number of bytes a Variable Byte Integer takes (1-4). */
export function varintSize(value: number): number {
  return value < 128 ? 1 : value < 16384 ? 2 : value < 2097152 ? 3 : 4;
}

/** Writes a Variable Byte Integer (minimal form). */
export function writeVarint(buf: Buffer, off: number, value: number): number {
  let v = value;
  while (v >= 128) {
    buf[off++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[off++] = v;
  return off;
}

/** Writes a big-endian Two Byte Integer. */
export function writeUint16(buf: Buffer, off: number, value: number): number {
  buf[off] = value >>> 8;
  buf[off + 1] = value & 0xff;
  return off + 2;
}

/** Writes a big-endian Four Byte Integer. */
export function writeUint32(buf: Buffer, off: number, value: number): number {
  buf.writeUInt32BE(value, off);
  return off + 4;
}

/**
 * Writes a UTF-8 Encoded String whose byte length `byteLen` the caller already computed (utf8Length);
 * short ASCII strings are copied with a loop, which is cheaper than the native write for a few bytes.
 */
export function writeString(buf: Buffer, off: number, str: string, byteLen: number): number {
  buf[off] = byteLen >>> 8;
  buf[off + 1] = byteLen & 0xff;
  off += 2;
  if (byteLen === str.length && byteLen <= 48) {
    for (let i = 0; i < byteLen; i++) buf[off + i] = str.charCodeAt(i);
  } else {
    buf.write(str, off, byteLen, 'utf8');
  }
  return off + byteLen;
}

/** Writes Binary Data (two byte length + bytes). */
export function writeBinary(buf: Buffer, off: number, data: Buffer): number {
  const n = data.length;
  buf[off] = n >>> 8;
  buf[off + 1] = n & 0xff;
  data.copy(buf, off + 2);
  return off + 2 + n;
}
