// Shared helpers for the codec unit tests: decode through the streaming parser and catch the one error.
import { Parser } from '../../src/codec/parser.js';
import type { ProtocolError } from '../../src/codec/errors.js';
import type { Packet, ProtocolVersion } from '../../src/codec/types.js';

/** Result of feeding chunks to a fresh parser. */
export interface ParseResult {
  packets: Packet[];
  errors: ProtocolError[];
  parser: Parser;
}

/** Feeds `chunks` to a new Parser and collects what it reports. */
export function parseChunks(chunks: Buffer[], version?: ProtocolVersion, maxPacketSize?: number): ParseResult {
  const packets: Packet[] = [];
  const errors: ProtocolError[] = [];
  const parser = new Parser({
    onPacket: (p) => packets.push(p),
    onError: (e) => errors.push(e),
    ...(version === undefined ? {} : { protocolVersion: version }),
    ...(maxPacketSize === undefined ? {} : { maxPacketSize }),
  });
  for (const c of chunks) parser.push(c);
  return { packets, errors, parser };
}

/** Parses hex bytes whole and returns the single error, failing when there is not exactly one. */
export function parseError(bytes: Buffer, version: ProtocolVersion): ProtocolError {
  const { errors, packets } = parseChunks([bytes], version);
  if (errors.length !== 1) throw new Error(`expected one error, got ${errors.length} (packets: ${packets.length})`);
  return errors[0]!;
}

/** Buffer from a hex string with spaces. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}
