// Encoding any packet: exact length first, then one exactly sized Buffer per packet (from the slab, see slab.ts).
import { ackLength, encodeAckPacket } from './encode-ack.js';
import { connackLength, encodeConnack } from './encode-connack.js';
import { connectLength, encodeConnect } from './encode-connect.js';
import { encodeReasonPacket, reasonPacketLength } from './encode-disconnect.js';
import { encodePublish, publishLength } from './encode-publish.js';
import { ackListLength, encodeAckList } from './encode-suback.js';
import { encodeSubscribe, subscribeLength } from './encode-subscribe.js';
import { encodeUnsubscribe, unsubscribeLength } from './encode-unsubscribe.js';
import { PacketType } from './types.js';
import type { Packet, ProtocolVersion } from './types.js';

export { encodeAck } from './encode-ack.js';
export { encodePublish, encodePublishHead, publishPacketIdOffset } from './encode-publish.js';
export { PINGREQ_BYTES, PINGRESP_BYTES } from './encode-ping.js';

/** Encodes `packet` for `version` into a new, exactly sized Buffer (properties only for version 5). */
export function encodePacket(packet: Packet, version: ProtocolVersion): Buffer {
  switch (packet.type) {
    case PacketType.PUBLISH:
      return encodePublish(packet, version);
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      return encodeAckPacket(packet, version);
    case PacketType.CONNECT:
      return encodeConnect(packet, version);
    case PacketType.CONNACK:
      return encodeConnack(packet, version);
    case PacketType.SUBSCRIBE:
      return encodeSubscribe(packet, version);
    case PacketType.SUBACK:
    case PacketType.UNSUBACK:
      return encodeAckList(packet, version);
    case PacketType.UNSUBSCRIBE:
      return encodeUnsubscribe(packet, version);
    case PacketType.PINGREQ:
      return Buffer.from([0xc0, 0x00]);
    case PacketType.PINGRESP:
      return Buffer.from([0xd0, 0x00]);
    case PacketType.DISCONNECT:
    case PacketType.AUTH:
      return encodeReasonPacket(packet, version);
  }
}

/** Byte length encodePacket(packet, version) will produce, without encoding. */
export function encodedLength(packet: Packet, version: ProtocolVersion): number {
  switch (packet.type) {
    case PacketType.PUBLISH:
      return publishLength(packet, version);
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      return ackLength(packet.reasonCode, version, packet.properties);
    case PacketType.CONNECT:
      return connectLength(packet, version);
    case PacketType.CONNACK:
      return connackLength(packet, version);
    case PacketType.SUBSCRIBE:
      return subscribeLength(packet, version);
    case PacketType.SUBACK:
    case PacketType.UNSUBACK:
      return ackListLength(packet, version);
    case PacketType.UNSUBSCRIBE:
      return unsubscribeLength(packet, version);
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return 2;
    case PacketType.DISCONNECT:
    case PacketType.AUTH:
      return reasonPacketLength(packet, version);
  }
}
