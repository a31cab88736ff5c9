// The parser reuses the previous PUBLISH topic string when the bytes repeat; validation must still hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parser, encodePacket, PacketType, ProtocolError } from '../../src/index.js';
import type { Packet, PublishPacket } from '../../src/index.js';

function publish(topic: string, payload = 'x'): Buffer {
  const p: PublishPacket = { type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic, packetId: 0, payload: Buffer.from(payload), properties: {} };
  return encodePacket(p, 4);
}

function parseAll(chunks: Buffer[]): { packets: Packet[]; error: ProtocolError | undefined } {
  const packets: Packet[] = [];
  let error: ProtocolError | undefined;
  const parser = new Parser({ onPacket: (p) => packets.push(p), onError: (e) => (error = e), protocolVersion: 4 });
  for (const c of chunks) parser.push(c);
  return { packets, error };
}

test('a repeated topic decodes to the same string; a different one of the same length does not', () => {
  const { packets, error } = parseAll([Buffer.concat([publish('a/b/c'), publish('a/b/c'), publish('a/b/d'), publish('a/b/c')])]);
  assert.equal(error, undefined);
  const topics = packets.map((p) => (p as PublishPacket).topic);
  assert.deepEqual(topics, ['a/b/c', 'a/b/c', 'a/b/d', 'a/b/c']);
});

test('a wildcard topic after a valid one of the same length is still rejected [MQTT-3.3.2-2]', () => {
  // Hand-built PUBLISH with topic "a/+" (the encoder would not produce it on purpose).
  const bad = Buffer.from([0x30, 0x06, 0x00, 0x03, 0x61, 0x2f, 0x2b, 0x78]);
  const { packets, error } = parseAll([publish('a/b'), bad]);
  assert.equal(packets.length, 1);
  assert.ok(error instanceof ProtocolError);
});

test('non-ASCII topics of the same length as the previous one decode correctly [MQTT-1.5.4-1]', () => {
  const { packets, error } = parseAll([publish('ab'), publish('é'), publish('é'), publish('ab')]);
  assert.equal(error, undefined);
  assert.deepEqual(
    packets.map((p) => (p as PublishPacket).topic),
    ['ab', 'é', 'é', 'ab'],
  );
});

test('topic reuse holds across chunk boundaries (buffered path)', () => {
  const bytes = Buffer.concat([publish('sensors/1'), publish('sensors/1'), publish('sensors/2')]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.subarray(i, i + 3));
  const { packets, error } = parseAll(chunks);
  assert.equal(error, undefined);
  assert.deepEqual(
    packets.map((p) => (p as PublishPacket).topic),
    ['sensors/1', 'sensors/1', 'sensors/2'],
  );
});
