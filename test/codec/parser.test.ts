// Streaming parser: chunk splits, limits checked before buffering, version switching, failure state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parser } from '../../src/codec/parser.js';
import { encodePacket } from '../../src/codec/encode.js';
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { Packet } from '../../src/codec/types.js';
import { hex, parseChunks, parseError } from './helpers.js';

const connect5: Packet = { type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: 5, clean: true, keepAlive: 10, clientId: 'c1', username: undefined, password: undefined, will: undefined, properties: { receiveMaximum: 5 } };
const stream5: Packet[] = [
  connect5,
  { type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 't/1', packetId: 1, payload: Buffer.alloc(200, 1), properties: { userProperties: [['a', 'b']] } },
  { type: PacketType.PUBACK, packetId: 1, reasonCode: 0x10, properties: EMPTY_PROPERTIES },
  { type: PacketType.PINGREQ },
  { type: PacketType.SUBSCRIBE, packetId: 2, subscriptions: [{ topic: 'x/#', qos: 2, noLocal: true, retainAsPublished: false, retainHandling: 2 }], properties: EMPTY_PROPERTIES },
  { type: PacketType.PUBLISH, dup: false, qos: 0, retain: true, topic: 'big', packetId: 0, payload: Buffer.alloc(20000, 2), properties: EMPTY_PROPERTIES },
  { type: PacketType.DISCONNECT, reasonCode: 0x04, properties: EMPTY_PROPERTIES },
];
const bytes5 = Buffer.concat(stream5.map((p) => encodePacket(p, 5)));

test('a whole stream in one chunk decodes every packet; CONNECT switches the parser to 5.0', () => {
  const { packets, errors, parser } = parseChunks([bytes5]);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(packets, stream5);
  assert.equal(parser.protocolVersion, 5);
  assert.equal(parser.bufferedBytes, 0);
});

test('one byte at a time decodes the same packets', () => {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes5.length; i++) chunks.push(bytes5.subarray(i, i + 1));
  const { packets, errors } = parseChunks(chunks);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(packets, stream5);
});

test('every two-way split of a stream decodes the same packets', () => {
  // Small packets keep this exhaustive split loop fast.
  const small = stream5.filter((p) => p.type !== PacketType.PUBLISH || p.payload.length < 1000);
  const bytes = Buffer.concat(small.map((p) => encodePacket(p, 5)));
  for (let i = 0; i <= bytes.length; i++) {
    const { packets, errors } = parseChunks([bytes.subarray(0, i), bytes.subarray(i)]);
    assert.deepStrictEqual(errors, [], `split at ${i}`);
    assert.deepStrictEqual(packets, small, `split at ${i}`);
  }
});

test('three-way splits across a large PUBLISH copy the body once and decode it', () => {
  const bytes = encodePacket(stream5[5]!, 5);
  for (const [a, b] of [[1, 2], [2, 3], [3, 10000], [5000, 15000], [4, bytes.length - 1]] as const) {
    const { packets, errors } = parseChunks([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)], 5);
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(packets, [stream5[5]]);
  }
});

test('bufferedBytes counts the bytes of an incomplete packet', () => {
  const bytes = encodePacket(stream5[1]!, 5);
  const { packets, parser } = parseChunks([bytes.subarray(0, 50)], 5);
  assert.equal(packets.length, 0);
  // The 3-byte fixed header is already parsed; the 47 body bytes are held.
  assert.equal(parser.bufferedBytes, 47);
  parser.push(bytes.subarray(50));
  assert.equal(parser.bufferedBytes, 0);
});

test('maximum packet size is enforced from the fixed header alone, before the body arrives (0x95)', () => {
  // PUBLISH header announcing 200 MB; no body bytes are ever pushed.
  const { errors, parser } = parseChunks([hex('30 80 80 80 64')], 4, 1024);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.reasonCode, ReasonCode.PACKET_TOO_LARGE);
  assert.equal(parser.failed, true);
  assert.equal(parser.bufferedBytes, 0);
});

test('maximum packet size counts the whole packet: exactly the limit passes, one more fails', () => {
  const packet: Packet = { type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 't', packetId: 0, payload: Buffer.alloc(10), properties: EMPTY_PROPERTIES };
  const bytes = encodePacket(packet, 4);
  assert.equal(parseChunks([bytes], 4, bytes.length).errors.length, 0);
  assert.equal(parseChunks([bytes], 4, bytes.length - 1).errors[0]?.reasonCode, ReasonCode.PACKET_TOO_LARGE);
});

test('maximum packet size is checked when the remaining length arrives byte by byte', () => {
  const { errors } = parseChunks([hex('30'), hex('ff'), hex('7f')], 4, 1000);
  assert.equal(errors[0]?.reasonCode, ReasonCode.PACKET_TOO_LARGE);
});

test('setMaxPacketSize applies to the next packet', () => {
  const packet = encodePacket({ type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 't', packetId: 0, payload: Buffer.alloc(100), properties: EMPTY_PROPERTIES }, 4);
  const { parser, errors, packets } = parseChunks([packet], 4);
  parser.setMaxPacketSize(50);
  parser.push(packet);
  assert.equal(packets.length, 1);
  assert.equal(errors[0]?.reasonCode, ReasonCode.PACKET_TOO_LARGE);
});

test('a 5-byte remaining length is malformed (0x81), whole or split', () => {
  assert.equal(parseError(hex('30 80 80 80 80 01'), 4).reasonCode, ReasonCode.MALFORMED_PACKET);
  const split = parseChunks([hex('30 80 80'), hex('80 80 01')], 4);
  assert.equal(split.errors[0]?.reasonCode, ReasonCode.MALFORMED_PACKET);
});

test('[MQTT-1.5.5-1] a non-minimal remaining length is malformed in 5.0', () => {
  const e = parseError(hex('e0 80 00'), 5);
  assert.equal(e.reasonCode, ReasonCode.MALFORMED_PACKET);
  assert.equal(e.specId, 'MQTT-1.5.5-1');
  assert.equal(parseChunks([hex('e0 80'), hex('00')], 5).errors[0]?.specId, 'MQTT-1.5.5-1');
});

test('[MQTT-1.5.5-1] a non-minimal property length is malformed in 5.0', () => {
  const e = parseError(hex('e0 03 00 80 00'), 5);
  assert.equal(e.reasonCode, ReasonCode.MALFORMED_PACKET);
  assert.equal(e.specId, 'MQTT-1.5.5-1');
});

test('after an error the parser is failed, reports once and ignores further input', () => {
  let errors = 0;
  let packets = 0;
  const parser = new Parser({ onPacket: () => packets++, onError: () => errors++ });
  parser.push(hex('00 00'));
  parser.push(hex('c0 00'));
  parser.push(hex('00 00'));
  assert.equal(parser.failed, true);
  assert.equal(errors, 1);
  assert.equal(packets, 0);
});

test('onPacket may switch the protocol version for the packets that follow in the same chunk', () => {
  const ack5 = hex('40 03 00 01 10');
  const seen: Packet[] = [];
  const parser = new Parser({
    onPacket: (p) => {
      seen.push(p);
      if (seen.length === 1) parser.setProtocolVersion(5);
    },
    onError: (e) => assert.fail(e),
  });
  parser.push(Buffer.concat([hex('c0 00'), ack5]));
  assert.deepStrictEqual(seen[1], { type: PacketType.PUBACK, packetId: 1, reasonCode: 0x10, properties: EMPTY_PROPERTIES });
});

test('before any CONNECT or version, packets decode as 3.1.1 (a 5.0 short-form ack is malformed there)', () => {
  const { errors } = parseChunks([hex('40 03 00 01 10')]);
  assert.equal(errors[0]?.reasonCode, ReasonCode.MALFORMED_PACKET);
});

test('a 3.1 CONNECT (MQIsdp, level 3) sets version 3', () => {
  const bytes = encodePacket({ ...connect5, protocolName: 'MQIsdp', protocolVersion: 3, properties: EMPTY_PROPERTIES }, 3);
  const { parser, packets } = parseChunks([bytes]);
  assert.equal(packets.length, 1);
  assert.equal(parser.protocolVersion, 3);
});

test('errors after CONNECT carry the negotiated protocol version', () => {
  const bytes = Buffer.concat([encodePacket(connect5, 5), hex('40 02 00 00')]);
  const { errors } = parseChunks([bytes]);
  assert.equal(errors[0]?.protocolVersion, 5);
  assert.equal(errors[0]?.reasonCode, ReasonCode.PROTOCOL_ERROR);
});

test('random chunkings of random valid streams never lose or reorder packets', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const chunks: Buffer[] = [];
    let pos = 0;
    while (pos < bytes5.length) {
      const n = 1 + rand(3000);
      chunks.push(bytes5.subarray(pos, pos + n));
      pos += n;
    }
    const { packets, errors } = parseChunks(chunks);
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(packets, stream5);
  }
});
