// Checks every catalogue case four ways: streaming decode (whole, byte by byte, every two-way split),
// encode to the exact bytes, round trip, and the exact reason code of malformed input.
// Glossary: "case" = one PacketCase; "split" = the case bytes pushed to the parser as two chunks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodePacket } from '../../src/codec/decode.js';
import { encodePacket, encodedLength } from '../../src/codec/encode.js';
import { ProtocolError } from '../../src/codec/errors.js';
import { Parser } from '../../src/codec/parser.js';
import { PacketType } from '../../src/codec/types.js';
import type { Packet, ProtocolVersion } from '../../src/codec/types.js';
import { allCases, cases } from './index.js';
import type { PacketCase } from './types.js';

const specIds = JSON.parse(readFileSync(new URL('../spec-ids.json', import.meta.url), 'utf8')) as Record<'5.0' | '3.1.1', string[]>;

interface ParseResult {
  packets: Packet[];
  errors: unknown[];
  parser: Parser;
}

// Feeds the chunks to a fresh parser set up the way the case says.
function parseChunks(c: PacketCase, chunks: readonly Buffer[]): ParseResult {
  const packets: Packet[] = [];
  const errors: unknown[] = [];
  const parser = new Parser({
    onPacket: (p) => packets.push(p),
    onError: (e) => errors.push(e),
    protocolVersion: c.version,
    ...(c.maxPacketSize === undefined ? {} : { maxPacketSize: c.maxPacketSize }),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { packets, errors, parser };
}

// Every way the catalogue cuts the bytes: whole, one byte at a time, and every two-way split.
function chunkings(bytes: Buffer): { name: string; chunks: Buffer[] }[] {
  const out = [{ name: 'whole', chunks: [bytes] }];
  out.push({ name: 'byte by byte', chunks: [...bytes].map((b) => Buffer.from([b])) });
  for (let i = 1; i < bytes.length; i++) out.push({ name: `split at ${i}`, chunks: [bytes.subarray(0, i), bytes.subarray(i)] });
  return out;
}

function assertDecodes(c: PacketCase, expected: Packet): void {
  for (const { name, chunks } of chunkings(c.bytes)) {
    const { packets, errors, parser } = parseChunks(c, chunks);
    assert.deepEqual(errors, [], `${name}: no error`);
    assert.equal(packets.length, 1, `${name}: exactly one packet`);
    assert.deepStrictEqual(packets[0], expected, name);
    assert.equal(parser.bufferedBytes, 0, `${name}: nothing left buffered`);
  }
  // Two copies back to back must give two packets: the parser frames by the remaining length.
  const twice = parseChunks(c, [Buffer.concat([c.bytes, c.bytes])]);
  assert.deepEqual(twice.errors, []);
  assert.deepStrictEqual(twice.packets, [expected, expected]);
}

function assertRejects(c: PacketCase, reason: number): void {
  for (const { name, chunks } of chunkings(c.bytes)) {
    const { packets, errors, parser } = parseChunks(c, chunks);
    assert.equal(packets.length, 0, `${name}: no packet`);
    assert.equal(errors.length, 1, `${name}: exactly one error`);
    const error = errors[0];
    assert.ok(error instanceof ProtocolError, `${name}: a ProtocolError`);
    assert.equal(error.reasonCode, reason, `${name}: reason 0x${error.reasonCode.toString(16)} (${error.message})`);
    assert.equal(parser.failed, true, `${name}: parser failed`);
  }
}

// The version a case's CONNECT packet sets is part of the packet; other packets keep the case version.
function versionOf(c: PacketCase): ProtocolVersion {
  return c.version;
}

describe('catalogue', () => {
  test('case ids are unique and named type/vN/what', () => {
    const seen = new Set<string>();
    for (const c of allCases) {
      assert.ok(!seen.has(c.id), `duplicate id ${c.id}`);
      seen.add(c.id);
      assert.match(c.id, new RegExp(`^[a-z]+/v${c.version}/[a-z0-9-]+$`), c.id);
      assert.equal(cases[c.id], c);
      assert.ok((c.packet === undefined) !== (c.decodeError === undefined), `${c.id}: a packet or a decode error, not both`);
    }
    assert.equal(Object.keys(cases).length, allCases.length);
  });

  test('every cited spec id exists in the normative statements of the case version', () => {
    // Guards against drift: 3.1.1 and 5.0 number the same rule differently.
    const known = { 4: new Set(specIds['3.1.1']), 5: new Set(specIds['5.0']) };
    for (const c of allCases) {
      const ids = [...(c.spec ?? []), ...(c.decodeError?.spec === undefined ? [] : [c.decodeError.spec])];
      for (const id of ids) assert.ok(known[c.version === 5 ? 5 : 4].has(id), `${c.id}: ${id} is not a ${c.version === 5 ? '5.0' : '3.1.1'} statement`);
    }
  });

  test('every packet type has valid and malformed cases in every version it exists in', () => {
    for (const type of Object.values(PacketType)) {
      for (const version of [3, 4, 5] as const) {
        if (type === PacketType.AUTH && version !== 5) continue;
        const ofType = allCases.filter((c) => c.version === version && c.packet?.type === type);
        assert.ok(ofType.length > 0, `no valid case for type ${type} v${version}`);
      }
      for (const version of [3, 4, 5] as const) {
        if (type === PacketType.AUTH && version !== 5) continue;
        const prefix = allCases.find((c) => c.packet?.type === type)?.id.split('/')[0];
        const bad = allCases.filter((c) => c.version === version && c.decodeError !== undefined && c.id.startsWith(`${prefix}/`));
        assert.ok(bad.length > 0, `no malformed case for type ${type} v${version}`);
      }
    }
  });

  for (const c of allCases) {
    describe(c.id, () => {
      const { packet, decodeError } = c;
      if (packet !== undefined) {
        if (c.direction !== 'encode') {
          test('decodes through the streaming parser in every chunking', () => assertDecodes(c, packet));
        }
        if (c.direction !== 'decode') {
          test('encodes to exactly these bytes', () => {
            const encoded = encodePacket(packet, versionOf(c));
            assert.equal(encoded.toString('hex'), c.bytes.toString('hex'));
            assert.equal(encodedLength(packet, versionOf(c)), c.bytes.length);
          });
        }
        test('round trips: decode(encode(p)) equals p', () => {
          assert.deepStrictEqual(decodePacket(encodePacket(packet, versionOf(c)), versionOf(c)), packet);
        });
      }
      if (decodeError !== undefined) {
        test(`is rejected with reason 0x${decodeError.reason.toString(16)}${decodeError.spec === undefined ? '' : ` [${decodeError.spec}]`}`, () =>
          assertRejects(c, decodeError.reason));
        if (c.maxPacketSize === undefined) {
          test('decodePacket throws the same reason', () => {
            assert.throws(
              () => decodePacket(c.bytes, versionOf(c)),
              (e: unknown) => e instanceof ProtocolError && e.reasonCode === decodeError.reason,
            );
          });
        }
      }
    });
  }
});
