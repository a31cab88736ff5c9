// Wire-format validation: each rule answers its reason code and names its spec statement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket } from '../../src/codec/decode.js';
import { ProtocolError } from '../../src/codec/errors.js';
import { PROPERTY_TABLE } from '../../src/codec/properties.js';
import { ReasonCode } from '../../src/codec/reason-codes.js';
import type { ProtocolVersion } from '../../src/codec/types.js';
import { isWellFormedUtf8 } from '../../src/codec/utf8.js';
import { hex, parseError } from './helpers.js';

const R = ReasonCode;

/** Asserts decoding `bytes` fails with `reason` (and `specId` when given), through both decodePacket and the parser. */
function rejects(bytes: string, version: ProtocolVersion, reason: number, specId?: string): ProtocolError {
  const buf = hex(bytes);
  assert.throws(
    () => decodePacket(buf, version),
    (e: unknown) => e instanceof ProtocolError && e.reasonCode === reason && (specId === undefined || e.specId === specId),
  );
  const e = parseError(buf, version);
  assert.equal(e.reasonCode, reason, e.message);
  if (specId !== undefined) assert.equal(e.specId, specId);
  return e;
}

/** Hex of a packet with the remaining length computed from `body` (bodies here are under 128 bytes). */
function f(first: string, body: string): string {
  return `${first} ${hex(body).length.toString(16).padStart(2, '0')} ${body}`;
}

// CONNECT prefix for 5.0: name MQTT, level 5.
const C5 = '00 04 4d 51 54 54 05';
const C4 = '00 04 4d 51 54 54 04';

test('packet type 0 is malformed (0x81)', () => {
  rejects('00 00', 4, R.MALFORMED_PACKET);
});

test('[MQTT-2.1.3-1] reserved fixed-header flags are malformed (0x81)', () => {
  rejects('41 02 00 01', 5, R.MALFORMED_PACKET, 'MQTT-2.1.3-1'); // PUBACK with flag bit 0
  rejects('60 02 00 01', 5, R.MALFORMED_PACKET, 'MQTT-2.1.3-1'); // PUBREL must be 0b0010
  rejects('80 06 00 01 00 01 61 00', 4, R.MALFORMED_PACKET, 'MQTT-2.2.2-1'); // SUBSCRIBE must be 0b0010 (3.1.1 id)
  rejects('a0 05 00 01 00 01 61', 4, R.MALFORMED_PACKET, 'MQTT-2.2.2-1'); // UNSUBSCRIBE
  rejects('c1 00', 5, R.MALFORMED_PACKET, 'MQTT-2.1.3-1');
});

test('AUTH is malformed in 3.1.1', () => {
  rejects('f0 00', 4, R.MALFORMED_PACKET);
});

test('[MQTT-3.3.1-4] PUBLISH with QoS 3 is malformed (0x81)', () => {
  rejects('36 05 00 01 61 68 69', 4, R.MALFORMED_PACKET, 'MQTT-3.3.1-4');
});

test('[MQTT-3.3.1-2] PUBLISH with DUP on QoS 0 is malformed (0x81)', () => {
  rejects('38 03 00 01 61', 4, R.MALFORMED_PACKET, 'MQTT-3.3.1-2');
});

test('[MQTT-2.2.1-3] packet id 0 is a protocol error (0x82) in 5.0 and malformed in 3.1.1 [MQTT-2.3.1-1]', () => {
  rejects('32 06 00 01 61 00 00 00', 5, R.PROTOCOL_ERROR, 'MQTT-2.2.1-3'); // PUBLISH QoS 1
  rejects('82 05 00 00 00 01 61', 4, R.MALFORMED_PACKET, 'MQTT-2.3.1-1'); // SUBSCRIBE... truncated filter is also bad; id first
  rejects('a2 06 00 00 00 00 01 61', 5, R.PROTOCOL_ERROR, 'MQTT-2.2.1-3'); // UNSUBSCRIBE
  rejects('40 02 00 00', 5, R.PROTOCOL_ERROR, 'MQTT-2.2.1-3'); // PUBACK
  rejects('70 02 00 00', 4, R.MALFORMED_PACKET, 'MQTT-2.3.1-1'); // PUBCOMP
});

test('[MQTT-1.5.4-1] ill-formed UTF-8 (surrogate, overlong, truncated) is malformed (0x81)', () => {
  rejects('30 06 00 03 ed a0 80 78', 5, R.MALFORMED_PACKET, 'MQTT-1.5.4-1'); // U+D800 encoded
  rejects('30 05 00 02 c1 81 78', 5, R.MALFORMED_PACKET, 'MQTT-1.5.4-1'); // overlong 'A'
  rejects('30 04 00 01 e2 78', 4, R.MALFORMED_PACKET, 'MQTT-1.5.3-1'); // truncated sequence (3.1.1 id)
  assert.equal(isWellFormedUtf8(hex('ed a0 80')), false);
  assert.equal(isWellFormedUtf8(Buffer.from('ok ✓')), true);
});

test('[MQTT-1.5.4-2] U+0000 in a string is malformed (0x81)', () => {
  rejects('30 05 00 02 61 00 78', 5, R.MALFORMED_PACKET, 'MQTT-1.5.4-2');
  rejects('30 05 00 02 61 00 78', 4, R.MALFORMED_PACKET, 'MQTT-1.5.3-2');
  rejects('30 05 00 02 c0 80 78', 5, R.MALFORMED_PACKET, 'MQTT-1.5.4-1'); // overlong NUL
});

test('[MQTT-3.3.2-2] wildcards in a PUBLISH topic: 0x82 Protocol Error in 5.0 (it parses; 0x90 is for a correctly formed name), 0x81 in 3.1.1', () => {
  rejects('30 06 00 03 61 2f 23 00', 5, R.PROTOCOL_ERROR, 'MQTT-3.3.2-2');
  rejects('30 06 00 03 61 2b 62 00', 5, R.PROTOCOL_ERROR, 'MQTT-3.3.2-2'); // "a+b": any '+' counts
  rejects('30 05 00 03 61 2f 2b', 4, R.MALFORMED_PACKET, 'MQTT-3.3.2-2');
});

test('[MQTT-4.7.3-1] empty PUBLISH topic without topic alias: 0x82 in 5.0, 0x81 in 3.1.1; allowed with an alias', () => {
  rejects('30 03 00 00 00', 5, R.PROTOCOL_ERROR, 'MQTT-4.7.3-1');
  rejects('30 02 00 00', 4, R.MALFORMED_PACKET, 'MQTT-4.7.3-1');
  const p = decodePacket(hex('30 06 00 00 03 23 00 01'), 5);
  assert.ok(p.type === 3 && p.topic === '' && p.properties.topicAlias === 1);
});

test('[MQTT-3.3.2-8] topic alias 0 is rejected with 0x94 Topic Alias invalid', () => {
  rejects('30 08 00 01 61 03 23 00 00 78', 5, R.TOPIC_ALIAS_INVALID, 'MQTT-3.3.2-8');
});

test('[MQTT-4.7.3-1] empty topic filter in SUBSCRIBE and UNSUBSCRIBE: 0x82 in 5.0, 0x81 in 3.1.1', () => {
  rejects('82 06 00 01 00 00 00 00', 5, R.PROTOCOL_ERROR, 'MQTT-4.7.3-1');
  rejects('82 05 00 01 00 00 00', 4, R.MALFORMED_PACKET, 'MQTT-4.7.3-1');
  rejects('a2 05 00 01 00 00 00', 5, R.PROTOCOL_ERROR, 'MQTT-4.7.3-1');
});

test('[MQTT-3.8.3-2] SUBSCRIBE without filters: 0x82 in 5.0; 3.1.1 [MQTT-3.8.3-3] 0x81', () => {
  rejects('82 03 00 01 00', 5, R.PROTOCOL_ERROR, 'MQTT-3.8.3-2');
  rejects('82 02 00 01', 4, R.MALFORMED_PACKET, 'MQTT-3.8.3-3');
});

test('[MQTT-3.10.3-2] UNSUBSCRIBE without filters: 0x82 in 5.0, 0x81 in 3.1.1', () => {
  rejects('a2 03 00 01 00', 5, R.PROTOCOL_ERROR, 'MQTT-3.10.3-2');
  rejects('a2 02 00 01', 4, R.MALFORMED_PACKET, 'MQTT-3.10.3-2');
});

test('[MQTT-3.8.3-5] subscription options reserved bits are malformed (0x81) in 5.0', () => {
  rejects('82 07 00 01 00 00 01 61 40', 5, R.MALFORMED_PACKET, 'MQTT-3.8.3-5');
});

test('5.0 subscription options QoS 3 and retain handling 3 are protocol errors (0x82, section 3.8.3.1)', () => {
  rejects('82 07 00 01 00 00 01 61 03', 5, R.PROTOCOL_ERROR);
  rejects('82 07 00 01 00 00 01 61 30', 5, R.PROTOCOL_ERROR);
});

test('[MQTT-3.8.3-4] 3.1.1 requested QoS byte: upper 6 bits zero and QoS not 3, else 0x81', () => {
  rejects('82 06 00 01 00 01 61 04', 4, R.MALFORMED_PACKET, 'MQTT-3.8.3-4'); // no-local bit is reserved in 3.1.1
  rejects('82 06 00 01 00 01 61 03', 4, R.MALFORMED_PACKET, 'MQTT-3.8.3-4');
});

test('[MQTT-3.1.2-1] wrong protocol name: 0x84 (CONNACK allowed) for level 5, 0x81 (close, no CONNACK) for level 4, carrying the level', () => {
  const e5 = rejects(f('10', '00 04 4d 51 54 58 05 02 00 3c 00 00 01 61'), 4, R.UNSUPPORTED_PROTOCOL_VERSION, 'MQTT-3.1.2-1');
  assert.equal(e5.protocolVersion, 5);
  const e4 = rejects(f('10', '00 04 4d 51 54 58 04 02 00 3c 00 01 61'), 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-1'); // "MQTX"
  assert.equal(e4.protocolVersion, 4);
  rejects(f('10', '00 06 4d 51 49 73 64 70 04 02 00 3c 00 01 61'), 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-1'); // "MQIsdp" with level 4
  const other = rejects(f('10', '00 04 4d 51 54 58 06 02 00 3c 00 01 61'), 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-1'); // "MQTX", level 6
  assert.equal(other.protocolVersion, undefined);
});

test('[MQTT-3.1.2-2] a known protocol name with a level it does not have is 0x84', () => {
  const e = rejects(f('10', '00 04 4d 51 54 54 03 02 00 3c 00 01 61'), 4, R.UNSUPPORTED_PROTOCOL_VERSION, 'MQTT-3.1.2-2'); // MQTT with level 3
  assert.equal(e.protocolVersion, 3);
  rejects(f('10', '00 06 4d 51 49 73 64 70 05 02 00 3c 00 00 01 61'), 4, R.UNSUPPORTED_PROTOCOL_VERSION, 'MQTT-3.1.2-1'); // MQIsdp with level 5: 5.0 rule
});

test('[MQTT-3.1.2-2] unknown protocol level is 0x84', () => {
  const e = rejects(f('10', '00 04 4d 51 54 54 06 02 00 3c 00 01 61'), 4, R.UNSUPPORTED_PROTOCOL_VERSION, 'MQTT-3.1.2-2');
  assert.equal(e.protocolVersion, undefined);
});

test('[MQTT-3.1.2-3] CONNECT reserved flag set is malformed (0x81) and the error carries the CONNECT level', () => {
  const e = rejects(`10 0e ${C5} 03 00 3c 00 00 01 61`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-3');
  assert.equal(e.protocolVersion, 5);
});

test('[MQTT-3.1.2-11] [MQTT-3.1.2-13] will QoS or will retain without will flag is malformed (0x81)', () => {
  rejects(`10 0e ${C5} 0a 00 3c 00 00 01 61`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-11');
  rejects(`10 0e ${C5} 22 00 3c 00 00 01 61`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-13');
  rejects(`10 0d ${C4} 0a 00 3c 00 01 61`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-13');
  rejects(`10 0d ${C4} 22 00 3c 00 01 61`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-15');
});

test('[MQTT-3.1.2-14] (3.1.1) will QoS 3 is malformed (0x81); 5.0 cites [MQTT-3.1.2-12]', () => {
  rejects(`10 0d ${C4} 1e 00 3c 00 01 61`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-14');
  rejects(`10 0e ${C5} 1e 00 3c 00 00 01 61`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-12');
});

test('[MQTT-3.1.2-22] (3.1.1) password without user name is malformed; 5.0 allows it', () => {
  const e = rejects(`10 10 ${C4} 42 00 3c 00 01 61 00 01 70`, 4, R.MALFORMED_PACKET, 'MQTT-3.1.2-22');
  assert.equal(e.protocolVersion, 4);
  const p = decodePacket(hex(`10 11 ${C5} 42 00 3c 00 00 01 61 00 01 70`), 5);
  assert.ok(p.type === 1 && p.password?.toString() === 'p' && p.username === undefined);
});

test('[MQTT-3.3.2-2] will topic with wildcards: 0x82 in 5.0, 0x81 in 3.1.1', () => {
  rejects(f('10', `${C5} 06 00 3c 00 00 01 61 00 00 03 61 2f 23 00 01 78`), 4, R.PROTOCOL_ERROR, 'MQTT-3.3.2-2');
  rejects(f('10', `${C4} 06 00 3c 00 01 61 00 03 61 2f 2b 00 01 78`), 4, R.MALFORMED_PACKET, 'MQTT-3.3.2-2');
});

test('CONNECT with bytes after the last field is malformed (0x81)', () => {
  rejects(`10 0e ${C4} 02 00 3c 00 01 61 ff`, 4, R.MALFORMED_PACKET);
});

test('[MQTT-3.2.2-1] CONNACK reserved flag bits are malformed (0x81)', () => {
  rejects('20 03 02 00 00', 5, R.MALFORMED_PACKET, 'MQTT-3.2.2-1');
});

test('[MQTT-3.14.2-1] a reason code not allowed for the packet is a protocol error (0x82)', () => {
  rejects('e0 01 92', 5, R.PROTOCOL_ERROR, 'MQTT-3.14.2-1'); // 0x92 is not a DISCONNECT code
  rejects('40 03 00 01 92', 5, R.PROTOCOL_ERROR); // 0x92 is not a PUBACK code
  rejects('20 03 00 8e 00', 5, R.PROTOCOL_ERROR, 'MQTT-3.2.2-8');
  rejects('90 04 00 01 00 05', 5, R.PROTOCOL_ERROR); // SUBACK 0x05
  rejects('b0 04 00 01 00 10', 5, R.PROTOCOL_ERROR); // UNSUBACK 0x10
});

test('[MQTT-3.15.2-1] AUTH reason code must be 0x00, 0x18 or 0x19 (else 0x82)', () => {
  rejects('f0 01 04', 5, R.PROTOCOL_ERROR, 'MQTT-3.15.2-1');
  const p = decodePacket(hex('f0 02 19 00'), 5);
  assert.ok(p.type === 15 && p.reasonCode === 0x19);
});

test('[MQTT-3.9.3-2] 3.1.1 SUBACK return code other than 0, 1, 2, 0x80 is malformed (0x81)', () => {
  rejects('90 03 00 01 03', 4, R.MALFORMED_PACKET, 'MQTT-3.9.3-2');
});

test('3.x acknowledgements, PINGREQ and DISCONNECT with extra bytes are malformed (0x81)', () => {
  rejects('40 03 00 01 00', 4, R.MALFORMED_PACKET);
  rejects('c0 01 00', 4, R.MALFORMED_PACKET);
  rejects('e0 01 00', 4, R.MALFORMED_PACKET);
  rejects('b0 03 00 01 00', 4, R.MALFORMED_PACKET);
});

test('fields that run past the end of the packet are malformed (0x81)', () => {
  rejects('30 03 00 05 61', 4, R.MALFORMED_PACKET); // topic longer than the packet
  rejects('40 01 00', 4, R.MALFORMED_PACKET); // packet id cut short
  rejects('e0 03 00 05 1f', 5, R.MALFORMED_PACKET); // property length past the end
});

test('decodePacket rejects missing or extra bytes (0x81)', () => {
  assert.throws(() => decodePacket(hex('40 02 00'), 4), (e: unknown) => e instanceof ProtocolError && e.reasonCode === R.MALFORMED_PACKET);
  assert.throws(() => decodePacket(hex('40 02 00 01 00'), 4), (e: unknown) => e instanceof ProtocolError && e.reasonCode === R.MALFORMED_PACKET);
});

test('section 2.2.2.2: an unknown property or one not allowed in the packet is malformed (0x81)', () => {
  rejects('e0 03 00 01 7f', 5, R.MALFORMED_PACKET); // identifier 0x7f does not exist
  rejects('e0 04 00 02 23 00', 5, R.MALFORMED_PACKET); // topic alias not allowed in DISCONNECT
  rejects('30 07 00 01 61 02 18 00 00', 5, R.MALFORMED_PACKET); // will delay interval not allowed in PUBLISH
});

test('a property included twice is a protocol error (0x82); user properties may repeat', () => {
  rejects(f('e0', '00 0a 11 00 00 00 01 11 00 00 00 02'), 5, R.PROTOCOL_ERROR);
  rejects(f('e0', '00 08 1f 00 01 61 1f 00 01 62'), 5, R.PROTOCOL_ERROR);
  const p = decodePacket(hex(f('e0', '00 0c 26 00 01 61 00 00 26 00 01 61 00 00')), 5);
  assert.ok(p.type === 14);
  assert.deepStrictEqual(p.properties.userProperties, [['a', ''], ['a', '']]);
});

test('subscription identifier may repeat only in PUBLISH; 0 is a protocol error (0x82)', () => {
  rejects(f('82', '00 01 04 0b 01 0b 02 00 01 61 00'), 5, R.PROTOCOL_ERROR);
  rejects(f('82', '00 01 02 0b 00 00 01 61 00'), 5, R.PROTOCOL_ERROR);
  const p = decodePacket(hex(f('30', '00 01 61 04 0b 01 0b 02')), 5);
  assert.ok(p.type === 3);
  assert.deepStrictEqual(p.properties.subscriptionIdentifiers, [1, 2]);
});

test('invalid property values are protocol errors (0x82)', () => {
  const connect = (props: string, len: number): string => f('10', `${C5} 02 00 3c ${len.toString(16).padStart(2, '0')} ${props} 00 01 61`);
  rejects(connect('21 00 00', 3), 4, R.PROTOCOL_ERROR); // receive maximum 0
  rejects(connect('27 00 00 00 00', 5), 4, R.PROTOCOL_ERROR); // maximum packet size 0
  rejects(connect('17 02', 2), 4, R.PROTOCOL_ERROR); // request problem information 2
  rejects(connect('19 05', 2), 4, R.PROTOCOL_ERROR); // request response information 5
  rejects(f('30', '00 01 61 02 01 02'), 5, R.PROTOCOL_ERROR); // payload format indicator 2
  rejects(f('20', '00 00 02 24 02'), 5, R.PROTOCOL_ERROR); // maximum QoS 2
  rejects(f('20', '00 00 02 25 07'), 5, R.PROTOCOL_ERROR); // retain available 7
  rejects(f('20', '00 00 02 28 02'), 5, R.PROTOCOL_ERROR); // wildcard subscription available 2
  rejects(f('20', '00 00 02 29 02'), 5, R.PROTOCOL_ERROR); // subscription identifiers available 2
  rejects(f('20', '00 00 02 2a 02'), 5, R.PROTOCOL_ERROR); // shared subscription available 2
});

test('PROPERTY_TABLE lists the 27 properties of table 2-4 with unique identifiers', () => {
  assert.equal(PROPERTY_TABLE.length, 27);
  assert.equal(new Set(PROPERTY_TABLE.map((p) => p.id)).size, 27);
  assert.equal(PROPERTY_TABLE.find((p) => p.id === 0x23)?.name, 'topicAlias');
});
