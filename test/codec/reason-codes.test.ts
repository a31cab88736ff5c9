// Reason code table: unique rows, names per packet, 3.1.1 mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, REASON_CODE_TABLE, ReasonCode, isReasonCodeAllowed, reasonCodeName, toConnectReturnCode, ConnectReturnCode } from '../../src/index.js';

test('each (code, packet) pair appears in at most one row of table 2-6', () => {
  const seen = new Set<string>();
  for (const row of REASON_CODE_TABLE) {
    for (const p of row.packets) {
      const key = `${row.code}/${p}`;
      assert.ok(!seen.has(key), `duplicate ${key}`);
      seen.add(key);
    }
  }
});

test('names depend on the packet for 0x00', () => {
  assert.equal(reasonCodeName(0x00, PacketType.DISCONNECT), 'Normal disconnection');
  assert.equal(reasonCodeName(0x00, PacketType.SUBACK), 'Granted QoS 0');
  assert.equal(reasonCodeName(0x00, PacketType.PUBACK), 'Success');
  assert.equal(reasonCodeName(0x8e, PacketType.CONNACK), undefined);
});

test('allowed codes per packet follow table 2-6', () => {
  assert.ok(isReasonCodeAllowed(PacketType.DISCONNECT, ReasonCode.SESSION_TAKEN_OVER));
  assert.ok(!isReasonCodeAllowed(PacketType.CONNACK, ReasonCode.SESSION_TAKEN_OVER));
  assert.ok(isReasonCodeAllowed(PacketType.PUBREL, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND));
  assert.ok(!isReasonCodeAllowed(PacketType.PUBACK, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND));
});

test('5.0 CONNACK refusals map to 3.1.1 return codes', () => {
  assert.equal(toConnectReturnCode(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION), ConnectReturnCode.UNACCEPTABLE_PROTOCOL_VERSION);
  assert.equal(toConnectReturnCode(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID), ConnectReturnCode.IDENTIFIER_REJECTED);
  assert.equal(toConnectReturnCode(ReasonCode.NOT_AUTHORIZED), ConnectReturnCode.NOT_AUTHORIZED);
  assert.equal(toConnectReturnCode(ReasonCode.SERVER_BUSY), ConnectReturnCode.SERVER_UNAVAILABLE);
});
