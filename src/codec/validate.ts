// Wire-level semantic rules shared by several decoders: packet identifiers, topic names, topic filters, reason codes.
import { ProtocolError, specIdFor, wireError } from './errors.js';
import { ReasonCode, isReasonCodeAllowed } from './reason-codes.js';
import type { PacketType, ProtocolVersion } from './types.js';

/**
 * A packet identifier must be non-zero where one is present [MQTT-2.2.1-3] (3.1.1 [MQTT-2.3.1-1]).
 * The packet parses, so 5.0 answers Protocol Error (0x82, section 4.13 definitions); 3.x closes (0x81).
 */
export function validatePacketId(packetId: number, version: ProtocolVersion): void {
  if (packetId === 0) {
    throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'packet identifier 0', specIdFor(version, 'MQTT-2.2.1-3', 'MQTT-2.3.1-1'));
  }
}

/** True when `topic` holds `+` or `#`. */
function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/**
 * A PUBLISH topic name has no wildcards [MQTT-3.3.2-2] and is not empty [MQTT-4.7.3-1] unless a 5.0 Topic Alias is
 * present (section 3.3.2.1). 5.0 answers both with 0x82 Protocol Error: the packet parses (the topic is a
 * well-formed UTF-8 string of its stated length), so by the definitions of section 1.2 used in section 4.13 its
 * content is "data that is not allowed by the protocol", not a Malformed Packet (0x81, "cannot be parsed"). 0x90
 * Topic Name invalid is for a name that "is correctly formed" but not accepted, which a wildcard name is not.
 */
export function validatePublishTopic(topic: string, version: ProtocolVersion, hasTopicAlias: boolean): void {
  if (topic.length === 0) {
    if (!hasTopicAlias) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'empty topic name without a topic alias', 'MQTT-4.7.3-1');
    return;
  }
  if (hasWildcard(topic)) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'wildcard in topic name', 'MQTT-3.3.2-2');
}

/**
 * A will topic is a topic name: non-empty [MQTT-4.7.3-1] and without wildcards [MQTT-3.3.2-2]. 5.0 answers CONNACK
 * 0x82, for the reason given at validatePublishTopic (CONNACK 0x90 is for a will topic that "is not malformed").
 */
export function validateWillTopic(topic: string, version: ProtocolVersion): void {
  if (topic.length === 0) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'empty will topic', 'MQTT-4.7.3-1');
  if (hasWildcard(topic)) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'wildcard in will topic', 'MQTT-3.3.2-2');
}

/**
 * A topic filter is at least one character long [MQTT-4.7.3-1]; 5.0 answers Protocol Error (0x82).
 * Wildcard placement (section 4.7.1) and the `$share/` form (section 4.8.2) follow the grammar of topics/, which
 * the SUBSCRIBE and UNSUBSCRIBE handlers apply (also 0x82, see handlers/topic-filter-check.ts).
 */
export function validateTopicFilter(filter: string, version: ProtocolVersion): void {
  if (filter.length === 0) throw wireError(version, ReasonCode.PROTOCOL_ERROR, 'empty topic filter', 'MQTT-4.7.3-1');
}

/**
 * A 5.0 reason code must be one table 2-6 allows for the packet (e.g. [MQTT-3.14.2-1], [MQTT-3.15.2-1]).
 * The packet parses, so a wrong code is a Protocol Error (0x82) by the definitions of section 4.13.
 */
export function validateReasonCode(packetType: PacketType, code: number, specId?: string): void {
  if (!isReasonCodeAllowed(packetType, code)) {
    throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, `reason code 0x${code.toString(16)} is not valid in packet type ${packetType}`, specId);
  }
}
