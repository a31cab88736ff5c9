// Decoding one whole packet: fixed header, then the body decoder for its type.
import { decodeAck } from './decode-ack.js';
import { decodeAuth } from './decode-auth.js';
import { decodeConnack } from './decode-connack.js';
import { decodeConnect } from './decode-connect.js';
import { decodeDisconnect } from './decode-disconnect.js';
import { decodePublish } from './decode-publish.js';
import { decodeSuback } from './decode-suback.js';
import { decodeSubscribe } from './decode-subscribe.js';
import { decodeUnsuback } from './decode-unsuback.js';
import { decodeUnsubscribe } from './decode-unsubscribe.js';
import { ProtocolError, malformed } from './errors.js';
import { validateFixedHeader } from './fixed-header.js';
import { Reader } from './reader.js';
import { PacketType } from './types.js';
import type { Packet, ProtocolVersion } from './types.js';

/**
 * Decodes the body `reader.buf[pos, end)` of a packet whose fixed header byte 1 is `header` (already validated).
 * Throws ProtocolError; any other error from a decoder would be a bug, so it is reported as Malformed Packet.
 */
export function decodeBody(reader: Reader, header: number, version: ProtocolVersion): Packet {
  const flags = header & 0x0f;
  reader.version = version;
  switch (header >> 4) {
    case PacketType.PUBLISH:
      return decodePublish(reader, flags, version);
    case PacketType.PUBACK:
      return decodeAck(reader, PacketType.PUBACK, version);
    case PacketType.PUBREC:
      return decodeAck(reader, PacketType.PUBREC, version);
    case PacketType.PUBREL:
      return decodeAck(reader, PacketType.PUBREL, version);
    case PacketType.PUBCOMP:
      return decodeAck(reader, PacketType.PUBCOMP, version);
    case PacketType.CONNECT:
      return decodeConnect(reader, flags, version);
    case PacketType.CONNACK:
      return decodeConnack(reader, flags, version);
    case PacketType.SUBSCRIBE:
      return decodeSubscribe(reader, flags, version);
    case PacketType.SUBACK:
      return decodeSuback(reader, flags, version);
    case PacketType.UNSUBSCRIBE:
      return decodeUnsubscribe(reader, flags, version);
    case PacketType.UNSUBACK:
      return decodeUnsuback(reader, flags, version);
    case PacketType.PINGREQ:
      reader.expectEnd('PINGREQ');
      return { type: PacketType.PINGREQ };
    case PacketType.PINGRESP:
      reader.expectEnd('PINGRESP');
      return { type: PacketType.PINGRESP };
    case PacketType.DISCONNECT:
      return decodeDisconnect(reader, flags, version);
    case PacketType.AUTH:
      return decodeAuth(reader, flags, version);
    default:
      throw malformed('packet type 0 is reserved');
  }
}

/** Wraps a non-ProtocolError thrown while decoding (a bug) so callers only ever see ProtocolError. */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  return malformed(`decoder failure: ${error instanceof Error ? error.message : String(error)}`);
}

/** Decodes exactly one whole packet from `bytes`; missing or extra bytes are a Malformed Packet (0x81). */
export function decodePacket(bytes: Buffer, version: ProtocolVersion): Packet {
  if (bytes.length < 2) throw malformed('packet shorter than a fixed header');
  const header = bytes[0]!;
  validateFixedHeader(header, version);
  let remaining = 0;
  let multiplier = 1;
  let pos = 1;
  for (;;) {
    if (pos >= bytes.length) throw malformed('packet ends inside the remaining length');
    if (pos === 5) throw malformed('remaining length longer than 4 bytes');
    const b = bytes[pos++]!;
    remaining += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) {
      if (b === 0 && pos > 2 && version === 5) throw malformed('remaining length is not minimal', 'MQTT-1.5.5-1');
      break;
    }
    multiplier *= 128;
  }
  if (pos + remaining !== bytes.length) {
    throw malformed(`remaining length ${remaining} does not match the ${bytes.length - pos} bytes given`);
  }
  const reader = new Reader(bytes, pos, bytes.length, version);
  try {
    return decodeBody(reader, header, version);
  } catch (error) {
    throw toProtocolError(error);
  }
}
