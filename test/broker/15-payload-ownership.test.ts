// When an accepted payload is copied: only when it may outlive the turn (QoS > 0, retained, or the caller asks)
// and is a view into a larger buffer it would otherwise keep alive (a socket chunk). A payload that owns its
// ArrayBuffer, as the parser's copy of a body that spanned reads does, is kept as it is.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { messageFromPublish, ownsBacking } from '../../src/routing/publish-pipeline.js';
import { Parser } from '../../src/codec/parser.js';
import { encodePacket } from '../../src/codec/encode.js';
import { PacketType } from '../../src/codec/types.js';
import type { Packet, PublishPacket } from '../../src/codec/types.js';

describe('payload ownership', () => {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const view = chunk.subarray(100, 200);
  const own = Buffer.allocUnsafeSlow(70_000).subarray(40);

  test('ownsBacking: a small view of a chunk does not, a buffer of its own (with a short head before it) does', () => {
    assert.equal(ownsBacking(view), false);
    assert.equal(ownsBacking(own), true);
    assert.equal(ownsBacking(Buffer.allocUnsafeSlow(10)), true);
    assert.equal(ownsBacking(Buffer.allocUnsafeSlow(10_000).subarray(4000)), false);
  });

  test('QoS 1 and retained views are copied off the chunk; QoS 0 views are not', () => {
    for (const [qos, retain] of [[1, false], [2, false], [0, true]] as const) {
      const m = messageFromPublish({ topic: 't', payload: view, qos: qos, retain: retain, properties: {} }, 'c', false);
      assert.notEqual(m.payload.buffer, chunk.buffer, `qos ${qos} retain ${retain}`);
      assert.deepEqual(m.payload, view);
    }
    assert.equal(messageFromPublish({ topic: 't', payload: view, qos: 0, retain: false, properties: {} }, 'c', false).payload.buffer, chunk.buffer);
  });

  test('a payload that owns its buffer is kept for QoS 1 and retained; copyPayload always copies', () => {
    assert.equal(messageFromPublish({ topic: 't', payload: own, qos: 1, retain: true, properties: {} }, 'c', false).payload, own);
    assert.notEqual(messageFromPublish({ topic: 't', payload: own, qos: 1, retain: true, properties: {} }, 'c', true).payload.buffer, own.buffer);
  });

  test('a large PUBLISH that spans reads is decoded into a buffer of its own, which the broker then keeps without copying', () => {
    const packet: PublishPacket = { type: PacketType.PUBLISH, dup: false, qos: 1, retain: true, topic: 'big', packetId: 1, payload: Buffer.alloc(100_000, 7), properties: {} };
    const bytes = encodePacket(packet, 5);
    const got: Packet[] = [];
    const parser = new Parser({ onPacket: (p) => got.push(p), onError: (e) => assert.fail(e), protocolVersion: 5 });
    // Two reads, as a socket would deliver them, each with other bytes around it.
    parser.push(bytes.subarray(0, 60_000));
    parser.push(bytes.subarray(60_000));
    const decoded = got[0] as PublishPacket;
    assert.ok(decoded.payload.equals(packet.payload));
    assert.equal(ownsBacking(decoded.payload), true);
    const message = messageFromPublish(decoded, 'c', false);
    assert.equal(message.payload, decoded.payload);
  });
});
