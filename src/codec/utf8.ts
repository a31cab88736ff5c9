// UTF-8 rules for MQTT strings: well-formed (no surrogates, no overlongs) and no U+0000.
import { isUtf8 } from 'node:buffer';
import { malformed } from './errors.js';

/** Node's Buffer decoding methods behind toString (present on every Buffer; not in the public typings). */
interface FastSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** True when `bytes` is well-formed UTF-8 (no surrogate code points, no overlong forms). */
export function isWellFormedUtf8(bytes: Buffer): boolean {
  return isUtf8(bytes);
}

/**
 * Reads `buf[start, end)` as an MQTT UTF-8 Encoded String: rejects U+0000 [MQTT-1.5.4-2] and
 * ill-formed UTF-8 [MQTT-1.5.4-1] (3.1.1: [MQTT-1.5.3-2], [MQTT-1.5.3-1]) with Malformed Packet.
 */
export function decodeUtf8String(buf: Buffer, start: number, end: number, version: 3 | 4 | 5): string {
  // One pass over the bytes: a 0x00 byte can only be U+0000 in valid UTF-8 (the overlong C0 80 fails isUtf8),
  // and pure ASCII needs no further check, which is the common case for topics and client ids.
  let high = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === 0) throw malformed('string contains U+0000', version === 5 ? 'MQTT-1.5.4-2' : 'MQTT-1.5.3-2');
    high |= b;
  }
  if (high < 0x80) {
    // ASCII: latin1 decoding gives the same string and skips toString's argument handling.
    return (buf as unknown as FastSlices).latin1Slice(start, end);
  }
  if (!isUtf8(buf.subarray(start, end))) {
    throw malformed('string is not well-formed UTF-8', version === 5 ? 'MQTT-1.5.4-1' : 'MQTT-1.5.3-1');
  }
  return (buf as unknown as FastSlices).utf8Slice(start, end);
}

/** Number of bytes `str` takes in UTF-8, with a loop for short ASCII strings that skips the native call. */
export function utf8Length(str: string): number {
  const n = str.length;
  if (n <= 48) {
    let i = 0;
    while (i < n && str.charCodeAt(i) < 0x80) i++;
    if (i === n) return n;
  }
  return Buffer.byteLength(str, 'utf8');
}
