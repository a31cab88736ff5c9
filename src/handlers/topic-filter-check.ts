// Topic filters a client sends in SUBSCRIBE or UNSUBSCRIBE must follow the grammar of sections 4.7.1 and 4.8.2.
import { ProtocolError, specIdFor, wireError } from '../codec/errors.js';
import { ReasonCode } from '../codec/reason-codes.js';
import type { ProtocolVersion } from '../codec/types.js';
import { parseSharedFilter } from '../topics/shared-filter.js';
import { topicFilterFault } from '../topics/validate.js';
import type { TopicFilterFault } from '../topics/validate.js';

const SHARE_PREFIX_LENGTH = '$share/'.length;

// The statement each fault breaks: [5.0 id, 3.1.1 id]. 'empty', 'nul' and 'too-long' are already rejected by the
// codec for decoded packets; they are listed for packets given to broker.inject().
const FAULT_SPEC_IDS: Record<TopicFilterFault, readonly [string, string]> = {
  'multi-level': ['MQTT-4.7.1-1', 'MQTT-4.7.1-2'],
  'single-level': ['MQTT-4.7.1-2', 'MQTT-4.7.1-3'],
  empty: ['MQTT-4.7.3-1', 'MQTT-4.7.3-1'],
  nul: ['MQTT-4.7.3-2', 'MQTT-4.7.3-2'],
  'too-long': ['MQTT-4.7.3-3', 'MQTT-4.7.3-3'],
};

/**
 * Throws when `filter` breaks the topic filter grammar: a '#' that is not alone in the last level (5.0
 * [MQTT-4.7.1-1], 3.1.1 [MQTT-4.7.1-2]) or a '+' that is not alone in its level (5.0 [MQTT-4.7.1-2], 3.1.1
 * [MQTT-4.7.1-3]); in 5.0 also a `$share/` filter without a share name [MQTT-4.8.2-1] or without a valid filter
 * after it [MQTT-4.8.2-2].
 *
 * The answer is the connection, not a SUBACK code: 0x8F Topic Filter invalid is defined for a filter that "is
 * correctly formed" but not allowed, and these are not. 5.0 closes with DISCONNECT 0x82 Protocol Error rather than
 * 0x81 Malformed Packet: the packet parses (each filter is a well-formed UTF-8 string of its stated length), and
 * section 1.2 defines a Protocol Error as an error "detected after the packet has been parsed and found to contain
 * data that is not allowed by the protocol", while a Malformed Packet is one that "cannot be parsed". The spec
 * itself names the neighbouring filter rule, No Local on a shared subscription, a Protocol Error [MQTT-3.8.3-4].
 * 3.1.1 has no reason codes: the connection closes on the protocol violation [MQTT-4.8.0-1].
 *
 * `$share/` is an extension in 3.1.1, where `$share//a` or `$share/g` are valid topic filters; a 3.1.1 client
 * sending them gets the SUBACK failure code (0x80) from the SUBSCRIBE handler instead of a close.
 */
export function checkTopicFilter(filter: string, version: ProtocolVersion): void {
  if (version === 5) {
    const shared = parseSharedFilter(filter);
    if (shared === 'invalid') {
      const nameEmpty = filter.length === SHARE_PREFIX_LENGTH || filter.charCodeAt(SHARE_PREFIX_LENGTH) === 0x2f;
      throw new ProtocolError(ReasonCode.PROTOCOL_ERROR, `invalid shared subscription filter ${JSON.stringify(filter)}`, nameEmpty ? 'MQTT-4.8.2-1' : 'MQTT-4.8.2-2');
    }
    if (shared !== null) return;
  }
  const fault = topicFilterFault(filter);
  if (fault !== null) {
    const [id5, id311] = FAULT_SPEC_IDS[fault];
    throw wireError(version, ReasonCode.PROTOCOL_ERROR, `topic filter ${JSON.stringify(filter)} breaks the ${fault} rule`, specIdFor(version, id5, id311));
  }
}
