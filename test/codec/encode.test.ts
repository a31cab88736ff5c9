// Encoder specifics: 5.0 short forms, 3.x shapes, fast paths, and agreement with mqtt-packet's decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import { PINGREQ_BYTES, PINGRESP_BYTES, encodeAck, encodePacket, encodePublish, publishPacketIdOffset } from '../../src/codec/encode.js';
import { decodePacket } from '../../src/codec/decode.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { PublishPacket } from '../../src/codec/types.js';
import { hex } from './helpers.js';

test('5.0 PUBACK with reason 0 and no properties is the 2-byte short form', () => {
  assert.deepStrictEqual(encodeAck(4, 0x1234, 0, 5), hex('40 02 12 34'));
  assert.deepStrictEqual(encodeAck(4, 0x1234, 0, 5, EMPTY_PROPERTIES), hex('40 02 12 34'));
});

test('5.0 PUBREC with a reason code and no properties omits the property length', () => {
  assert.deepStrictEqual(encodeAck(5, 1, 0x10, 5), hex('50 03 00 01 10'));
});

test('5.0 PUBREL with properties writes reason code and property block', () => {
  assert.deepStrictEqual(encodeAck(6, 1, 0x92, 5, { reasonString: 'x' }), hex('62 08 00 01 92 04 1f 00 01 78'));
});

test('3.x acks are 2-byte bodies whatever the reason code; PUBREL keeps flags 0b0010', () => {
  assert.deepStrictEqual(encodeAck(6, 7, 0x92, 4), hex('62 02 00 07'));
  assert.deepStrictEqual(encodeAck(7, 7, 0, 3), hex('70 02 00 07'));
});

test('a 3.1 CONNACK leaves byte 1 at 0 (3.1 has no Session Present); 3.1.1 and 5.0 carry it in bit 0 [MQTT-3.2.2-2]', () => {
  const connack = { type: PacketType.CONNACK, sessionPresent: true, reasonCode: 0, properties: EMPTY_PROPERTIES } as const;
  assert.deepStrictEqual(encodePacket(connack, 3), hex('20 02 00 00'));
  assert.deepStrictEqual(encodePacket(connack, 4), hex('20 02 01 00'));
  assert.deepStrictEqual(encodePacket(connack, 5), hex('20 03 01 00 00'));
});

test('3.x UNSUBACK has no payload and 3.x DISCONNECT is empty', () => {
  assert.deepStrictEqual(encodePacket({ type: PacketType.UNSUBACK, packetId: 3, reasonCodes: [0x11], properties: EMPTY_PROPERTIES }, 4), hex('b0 02 00 03'));
  assert.deepStrictEqual(encodePacket({ type: PacketType.DISCONNECT, reasonCode: 0x8e, properties: { reasonString: 'x' } }, 4), hex('e0 00'));
});

test('5.0 DISCONNECT and AUTH short forms', () => {
  assert.deepStrictEqual(encodePacket({ type: PacketType.DISCONNECT, reasonCode: 0, properties: EMPTY_PROPERTIES }, 5), hex('e0 00'));
  assert.deepStrictEqual(encodePacket({ type: PacketType.DISCONNECT, reasonCode: 0x8b, properties: EMPTY_PROPERTIES }, 5), hex('e0 01 8b'));
  assert.deepStrictEqual(encodePacket({ type: PacketType.AUTH, reasonCode: 0, properties: EMPTY_PROPERTIES }, 5), hex('f0 00'));
});

test('AUTH cannot be encoded for 3.x', () => {
  assert.throws(() => encodePacket({ type: PacketType.AUTH, reasonCode: 0, properties: EMPTY_PROPERTIES }, 4), TypeError);
});

test('PINGREQ and PINGRESP constants', () => {
  assert.deepStrictEqual(PINGREQ_BYTES, hex('c0 00'));
  assert.deepStrictEqual(PINGRESP_BYTES, hex('d0 00'));
  assert.deepStrictEqual(encodePacket({ type: PacketType.PINGREQ }, 4), PINGREQ_BYTES);
});

test('publishPacketIdOffset points at the packet id so fan-out can patch it', () => {
  for (const version of [4, 5] as const) {
    for (const size of [1, 200, 20000]) {
      const packet: PublishPacket = { type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 'x/ÿ/z', packetId: 0xabcd, payload: Buffer.alloc(size), properties: EMPTY_PROPERTIES };
      const bytes = encodePublish(packet, version);
      const off = publishPacketIdOffset(bytes);
      assert.equal(bytes.readUInt16BE(off), 0xabcd);
      bytes.writeUInt16BE(42, off);
      const decoded = decodePacket(bytes, version);
      assert.ok(decoded.type === PacketType.PUBLISH && decoded.packetId === 42);
    }
  }
});

test('long ASCII and multi-byte topics are written with their UTF-8 byte length', () => {
  const topic = 'a'.repeat(100) + '/é/😀';
  const bytes = encodePublish({ type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic, packetId: 0, payload: Buffer.alloc(0), properties: EMPTY_PROPERTIES }, 4);
  assert.equal(bytes[1], bytes.length - 2, 'one-byte remaining length');
  assert.equal(bytes.readUInt16BE(2), Buffer.byteLength(topic));
  const decoded = decodePacket(bytes, 4);
  assert.ok(decoded.type === PacketType.PUBLISH && decoded.topic === topic);
});

test('mqtt-packet decodes our 5.0 PUBLISH with properties the same way', () => {
  const bytes = encodePublish({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: true, topic: 'a/b', packetId: 7, payload: Buffer.from('hi'), properties: { topicAlias: 2, userProperties: [['k', 'v']], contentType: 'c' } }, 5);
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const seen: mqttPacket.IPublishPacket[] = [];
  parser.on('packet', (p) => seen.push(p as mqttPacket.IPublishPacket));
  parser.parse(bytes);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.topic, 'a/b');
  assert.equal(seen[0]!.messageId, 7);
  assert.equal(seen[0]!.retain, true);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(seen[0]!.properties)), { topicAlias: 2, userProperties: { k: 'v' }, contentType: 'c' });
});
