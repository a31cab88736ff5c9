// SUBSCRIBE (section 3.8): packet identifier, properties, topic filters with subscription options.
import { malformed, specIdFor, wireError } from './errors.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { ReasonCode } from './reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ProtocolVersion, QoS, SubscribePacket, SubscriptionRequest } from './types.js';
import { validatePacketId, validateTopicFilter } from './validate.js';

/**
 * Checks a subscription options byte. 5.0: reserved bits 6-7 are Malformed [MQTT-3.8.3-5]; QoS 3 and
 * Retain Handling 3 are Protocol Errors (section 3.8.3.1). 3.x: bits 2-7 must be zero and QoS not 3 [MQTT-3.8.3-4].
 */
export function validateSubscriptionOptions(options: number, version: ProtocolVersion): void {
  if (version !== 5) {
    if ((options & 0xfc) !== 0 || (options & 3) === 3) throw malformed(`invalid requested QoS byte 0x${options.toString(16)}`, 'MQTT-3.8.3-4');
    return;
  }
  if ((options & 0xc0) !== 0) throw malformed('subscription options reserved bits are set', 'MQTT-3.8.3-5');
  if ((options & 3) === 3) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'subscription maximum QoS 3');
  if ((options & 0x30) === 0x30) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'retain handling 3');
}

/** Decodes a SUBSCRIBE body; it must carry at least one filter (5.0 [MQTT-3.8.3-2], 3.1.1 [MQTT-3.8.3-3]). */
export function decodeSubscribe(reader: Reader, _flags: number, version: ProtocolVersion): SubscribePacket {
  const packetId = reader.readUint16();
  validatePacketId(packetId, version);
  const properties = version === 5 ? decodeProperties(reader, PacketType.SUBSCRIBE) : EMPTY_PROPERTIES;
  const subscriptions: SubscriptionRequest[] = [];
  while (reader.pos < reader.end) {
    const topic = reader.readString();
    validateTopicFilter(topic, version);
    const options = reader.readUint8();
    validateSubscriptionOptions(options, version);
    subscriptions.push({
      topic,
      qos: (options & 3) as QoS,
      noLocal: (options & 0x04) !== 0,
      retainAsPublished: (options & 0x08) !== 0,
      retainHandling: ((options >> 4) & 3) as 0 | 1 | 2,
    });
  }
  if (subscriptions.length === 0) {
    throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'SUBSCRIBE without topic filters', specIdFor(version, 'MQTT-3.8.3-2', 'MQTT-3.8.3-3'));
  }
  return { type: PacketType.SUBSCRIBE, packetId, subscriptions, properties };
}
