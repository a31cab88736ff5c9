// Property tests of the codec with fast-check: round trips for every packet type and version, and the
// streaming parser's behaviour on random and mutated input (it never throws, reports only ProtocolError).
// Glossary: "chunking" = the same bytes cut into random pieces before being pushed to the parser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodePacket } from '../../src/codec/decode.js';
import { encodeAck, encodePacket, encodePublishHead, encodedLength, publishPacketIdOffset } from '../../src/codec/encode.js';
import { ProtocolError } from '../../src/codec/errors.js';
import { Parser } from '../../src/codec/parser.js';
import { PacketType } from '../../src/codec/types.js';
import type { AckPacket, Packet, ProtocolVersion, PublishPacket } from '../../src/codec/types.js';
import { VERSIONS, arbitraryChunking, arbitraryPacket, arbitraryPacketId, arbitraryPacketOfType, arbitraryPublish, packetTypesOf } from './arbitraries.js';

// Fixed run counts and seedless runs: the whole file stays within a few seconds on two cores.
const ROUND_TRIP_RUNS = 120;
const STREAM_RUNS = 150;
const FUZZ_RUNS = 600;

const typeNames = Object.fromEntries(Object.entries(PacketType).map(([k, v]) => [v, k])) as Record<number, string>;

interface Outcome {
  packets: Packet[];
  errors: unknown[];
}

function feed(chunks: readonly Buffer[], version: ProtocolVersion, maxPacketSize?: number): Outcome {
  const out: Outcome = { packets: [], errors: [] };
  const parser = new Parser({
    onPacket: (p) => out.packets.push(p),
    onError: (e) => out.errors.push(e),
    protocolVersion: version,
    ...(maxPacketSize === undefined ? {} : { maxPacketSize }),
  });
  for (const chunk of chunks) parser.push(chunk);
  return out;
}

// The parser contract under hostile input: at most one error, always a ProtocolError with a reason code.
function assertWellBehaved(out: Outcome): void {
  assert.ok(out.errors.length <= 1, 'at most one error');
  for (const e of out.errors) {
    assert.ok(e instanceof ProtocolError, `only ProtocolError, got ${String(e)}`);
    assert.ok(e.reasonCode >= 0x80 && e.reasonCode <= 0xff, `reason code 0x${e.reasonCode.toString(16)}`);
  }
}

describe('round trip: decode(encode(p)) equals p', () => {
  for (const version of VERSIONS) {
    for (const type of packetTypesOf(version)) {
      test(`${typeNames[type]} v${version}`, () => {
        fc.assert(
          fc.property(arbitraryPacketOfType(type, version), (packet) => {
            const bytes = encodePacket(packet, version);
            assert.equal(encodedLength(packet, version), bytes.length);
            assert.deepStrictEqual(decodePacket(bytes, version), packet);
          }),
          { numRuns: ROUND_TRIP_RUNS },
        );
      });
    }
  }
});

describe('encoder fast paths agree with encodePacket', () => {
  for (const version of VERSIONS) {
    test(`v${version}: encodeAck equals encodePacket for all four acknowledgements`, () => {
      const types = [PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP] as const;
      fc.assert(
        fc.property(fc.constantFrom(...types).chain((t) => arbitraryPacketOfType(t, version)), (packet) => {
          const ack = packet as AckPacket<4 | 5 | 6 | 7>;
          assert.deepEqual(encodeAck(ack.type, ack.packetId, ack.reasonCode, version, ack.properties), encodePacket(packet, version));
        }),
        { numRuns: ROUND_TRIP_RUNS },
      );
    });

    test(`v${version}: a PUBLISH head followed by its payload is exactly the one-buffer encoding`, () => {
      // Payloads up to 300 bytes cross the 1- and 2-byte remaining length boundary.
      fc.assert(
        fc.property(arbitraryPublish(version, { maxPayloadLength: 300 }), (packet) => {
          const head = encodePublishHead(packet, version);
          assert.deepEqual(Buffer.concat([head, packet.payload]), encodePacket(packet, version));
        }),
        { numRuns: ROUND_TRIP_RUNS },
      );
    });

    test(`v${version}: patching the packet id at publishPacketIdOffset equals encoding with that id`, () => {
      const arb = fc.tuple(arbitraryPublish(version).filter((p) => p.qos > 0), arbitraryPacketId);
      fc.assert(
        fc.property(arb, ([packet, id]) => {
          const shared = encodePacket(packet, version);
          const copy = Buffer.from(shared);
          copy.writeUInt16BE(id, publishPacketIdOffset(shared));
          const expected: PublishPacket = { ...packet, packetId: id };
          assert.deepEqual(copy, encodePacket(expected, version));
        }),
        { numRuns: ROUND_TRIP_RUNS },
      );
    });
  }
});

describe('streaming parser', () => {
  for (const version of VERSIONS) {
    test(`v${version}: a stream of valid packets in any chunking yields exactly those packets`, () => {
      const arb = fc.array(arbitraryPacket(version).filter((p) => p.type !== PacketType.CONNECT), { minLength: 1, maxLength: 6 }).chain((packets) => {
        const bytes = Buffer.concat(packets.map((p) => encodePacket(p, version)));
        return fc.tuple(fc.constant(packets), arbitraryChunking(bytes));
      });
      fc.assert(
        fc.property(arb, ([packets, chunks]) => {
          const out = feed(chunks, version);
          assert.deepEqual(out.errors, []);
          assert.deepStrictEqual(out.packets, packets);
        }),
        { numRuns: STREAM_RUNS },
      );
    });
  }

  test('random bytes in random chunkings never throw and report only ProtocolError', () => {
    const arb = fc
      .tuple(fc.constantFrom<ProtocolVersion>(3, 4, 5), fc.uint8Array({ maxLength: 300 }), fc.option(fc.integer({ min: 2, max: 400 }), { nil: undefined }))
      .chain(([version, bytes, max]) => fc.tuple(fc.constant(version), arbitraryChunking(Buffer.from(bytes)), fc.constant(max)));
    fc.assert(
      fc.property(arb, ([version, chunks, max]) => assertWellBehaved(feed(chunks, version, max))),
      { numRuns: FUZZ_RUNS },
    );
  });

  test('random bytes after a valid packet header never throw', () => {
    // Random bodies behind every plausible first byte reach the decoders instead of dying at the header.
    const arb = fc
      .tuple(fc.constantFrom<ProtocolVersion>(3, 4, 5), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 120 }))
      .map(([version, first, body]) => {
        const len = body.length;
        const header = len < 128 ? [first, len] : [first, (len & 0x7f) | 0x80, len >> 7];
        return [version, Buffer.concat([Buffer.from(header), Buffer.from(body)])] as const;
      });
    fc.assert(
      fc.property(arb, ([version, bytes]) => {
        const out = feed([bytes], version);
        assertWellBehaved(out);
        assert.equal(out.packets.length + out.errors.length, 1, 'one whole packet: decoded or rejected');
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test('mutated valid encodings never throw and report only ProtocolError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
    );
    const arb = fc
      .constantFrom<ProtocolVersion>(3, 4, 5)
      .chain((version) => fc.tuple(fc.constant(version), arbitraryPacket(version), fc.array(mutation, { minLength: 1, maxLength: 4 })))
      .chain(([version, packet, mutations]) => {
        const bytes = [...encodePacket(packet, version)];
        for (const m of mutations) {
          const at = m.at % (bytes.length + 1);
          if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.value;
          else if (m.kind === 'insert') bytes.splice(at, 0, m.value);
          else if (m.kind === 'delete') bytes.splice(at, 1);
          else if (m.kind === 'truncate') bytes.length = at;
        }
        return fc.tuple(fc.constant(version), arbitraryChunking(Buffer.from(bytes)));
      });
    fc.assert(
      fc.property(arb, ([version, chunks]) => assertWellBehaved(feed(chunks, version))),
      { numRuns: FUZZ_RUNS },
    );
  });

  test('a decodePacket call on random bytes throws nothing but ProtocolError', () => {
    fc.assert(
      fc.property(fc.constantFrom<ProtocolVersion>(3, 4, 5), fc.uint8Array({ maxLength: 200 }), (version, bytes) => {
        try {
          decodePacket(Buffer.from(bytes), version);
        } catch (e) {
          assert.ok(e instanceof ProtocolError, `only ProtocolError, got ${String(e)}`);
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
