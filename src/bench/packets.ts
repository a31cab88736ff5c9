// The handful of MQTT packets the load generator sends, hand-encoded for speed.
// Kept local on purpose: the generator must stay independent of the broker's codec
// so a codec bug cannot hide itself in the measurement.

/** Protocol level the generator speaks: 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
export type BenchProtocol = 4 | 5;

/** Fixed-header first bytes of the packets the generator reads or writes. */
export const Byte1 = {
  CONNACK: 0x20,
  PUBLISH: 0x30,
  PUBACK: 0x40,
  PUBREC: 0x50,
  PUBREL: 0x62,
  PUBCOMP: 0x70,
  SUBACK: 0x90,
  PINGRESP: 0xd0,
  DISCONNECT: 0xe0,
} as const;

/** Length in bytes of the variable byte integer that encodes n. */
export function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

/** Writes n as a variable byte integer at offset and returns the offset after it. */
export function writeVarint(buf: Buffer, offset: number, n: number): number {
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    buf[offset++] = b;
  } while (v > 0);
  return offset;
}

function frame(byte1: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + varintLength(body.length) + body.length);
  out[0] = byte1;
  const at = writeVarint(out, 1, body.length);
  body.copy(out, at);
  return out;
}

function mqttString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

/** Encodes a clean-start CONNECT with the given client id and keep alive (seconds). */
export function encodeBenchConnect(version: BenchProtocol, clientId: string, keepAlive: number): Buffer {
  const head = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, version, 0x02, keepAlive >> 8, keepAlive & 0xff]);
  // v5: receive maximum 65535 so the broker's QoS>0 flow to us is limited by the broker only
  const props = version === 5 ? Buffer.from([3, 0x21, 0xff, 0xff]) : Buffer.alloc(0);
  return frame(0x10, Buffer.concat([head, props, mqttString(clientId)]));
}

/** Encodes a SUBSCRIBE for one filter at the given maximum QoS. */
export function encodeBenchSubscribe(version: BenchProtocol, packetId: number, filter: string, qos: number): Buffer {
  const id = Buffer.from([packetId >> 8, packetId & 0xff]);
  const props = version === 5 ? Buffer.from([0]) : Buffer.alloc(0);
  return frame(0x82, Buffer.concat([id, props, mqttString(filter), Buffer.from([qos])]));
}

/** Layout of one pre-encoded PUBLISH: total length and where the packet id and payload sit. */
export interface PublishTemplate {
  readonly bytes: Buffer;
  /** Offset of the packet id, -1 for QoS 0. */
  readonly packetIdOffset: number;
  readonly payloadOffset: number;
}

/** Pre-encodes one PUBLISH with a zero-filled payload of the given size. */
export function encodeBenchPublish(version: BenchProtocol, topic: string, qos: number, retain: boolean, payloadSize: number): PublishTemplate {
  const t = mqttString(topic);
  const idLen = qos > 0 ? 2 : 0;
  const propsLen = version === 5 ? 1 : 0;
  const remaining = t.length + idLen + propsLen + payloadSize;
  const bytes = Buffer.alloc(1 + varintLength(remaining) + remaining);
  bytes[0] = 0x30 | (qos << 1) | (retain ? 1 : 0);
  let at = writeVarint(bytes, 1, remaining);
  t.copy(bytes, at);
  at += t.length;
  const packetIdOffset = qos > 0 ? at : -1;
  at += idLen + propsLen; // v5 property length 0 is already zero
  return { bytes, packetIdOffset, payloadOffset: at };
}

/** Encodes a two-byte acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP) into buf at offset; returns the next offset. */
export function writeAck(buf: Buffer, offset: number, byte1: number, packetId: number): number {
  buf[offset] = byte1;
  buf[offset + 1] = 2;
  buf[offset + 2] = packetId >> 8;
  buf[offset + 3] = packetId & 0xff;
  return offset + 4;
}

/** A normal DISCONNECT (reason 0x00 for v5 is implied by length 0). */
export const DISCONNECT = Buffer.from([0xe0, 0x00]);
