// SUBSCRIBE cases: filters with options, 5.0 properties, and every payload rule.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { QoS, SubscriptionRequest } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const MALFORMED = ReasonCode.MALFORMED_PACKET;
const PROTOCOL = ReasonCode.PROTOCOL_ERROR;
const T = PacketType.SUBSCRIBE;

// A 3.x-style request: every 5.0 option at its default.
function sub(topic: string, qos: QoS): SubscriptionRequest {
  return { topic, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 };
}

/** SUBSCRIBE wire cases. */
export const subscribeCases: PacketCase[] = [
  {
    id: 'subscribe/v3/one',
    version: 3,
    bytes: hex`
      82 06       # SUBSCRIBE (flags 0010), remaining 6
      00 01       # packet id 1
      00 01 61    # filter "a"
      00          # qos 0`,
    packet: { type: T, packetId: 1, subscriptions: [sub('a', 0)], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'subscribe/v4/three',
    version: 4,
    bytes: hex`
      82 12             # SUBSCRIBE, remaining 18
      00 0a             # packet id 10
      00 03 61 2f 2b    # filter "a/+"
      00                #   qos 0
      00 01 23          # filter "#"
      02                #   qos 2
      00 03 62 2f 63    # filter "b/c"
      01                #   qos 1`,
    packet: { type: T, packetId: 10, subscriptions: [sub('a/+', 0), sub('#', 2), sub('b/c', 1)], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'subscribe/v4/shared',
    version: 4,
    bytes: hex`
      82 0f 00 02
      00 0a 24 73 68 61 72 65 2f 67 2f 74   # filter "$share/g/t" (a plain string to the codec)
      01`,
    packet: { type: T, packetId: 2, subscriptions: [sub('$share/g/t', 1)], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'subscribe/v5/options',
    version: 5,
    bytes: hex`
      82 0d       # SUBSCRIBE, remaining 13
      00 02       # packet id 2
      02 0b 07    # properties: subscription identifier 7
      00 01 61    # filter "a"
      2d          #   retain handling 2, retain as published, no local, qos 1
      00 01 62    # filter "b"
      10          #   retain handling 1, qos 0`,
    packet: {
      type: T,
      packetId: 2,
      subscriptions: [
        { topic: 'a', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 },
        { topic: 'b', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 1 },
      ],
      properties: { subscriptionIdentifiers: [7] },
    },
  },
  {
    id: 'subscribe/v5/user-property',
    version: 5,
    bytes: hex`
      82 0e                    # SUBSCRIBE, remaining 14
      00 03                    # packet id 3
      07 26 00 01 6b 00 01 76  # properties: user property k=v
      00 01 61 02              # filter "a", qos 2`,
    packet: { type: T, packetId: 3, subscriptions: [sub('a', 2)], properties: { userProperties: [['k', 'v']] } },
  },

  // Fixed header.
  {
    id: 'subscribe/v4/fixed-header-flags',
    version: 4,
    bytes: hex`80 06 00 01 00 01 61 00  # SUBSCRIBE with flags 0000`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.8.1-1' },
  },
  {
    id: 'subscribe/v5/fixed-header-flags',
    version: 5,
    bytes: hex`83 07 00 01 00 00 01 61 00  # SUBSCRIBE with flags 0011`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.1.3-1' },
  },

  // Payload.
  {
    id: 'subscribe/v4/no-filters',
    version: 4,
    bytes: hex`82 02 00 01  # packet id only`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.8.3-3' },
  },
  {
    id: 'subscribe/v5/no-filters',
    version: 5,
    bytes: hex`82 03 00 01 00  # packet id and empty properties only`,
    decodeError: { reason: PROTOCOL, spec: 'MQTT-3.8.3-2' },
  },
  {
    id: 'subscribe/v4/packet-id-0',
    version: 4,
    bytes: hex`82 06  00 00  00 01 61 00  # packet id 0`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.3.1-1' },
  },
  {
    id: 'subscribe/v5/packet-id-0',
    version: 5,
    bytes: hex`82 07  00 00  00 00 01 61 00  # packet id 0`,
    decodeError: { reason: PROTOCOL, spec: 'MQTT-2.2.1-3' },
  },
  {
    id: 'subscribe/v4/qos-3',
    version: 4,
    bytes: hex`82 06 00 01 00 01 61  03  # requested qos 3`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.8.3-4' },
  },
  {
    id: 'subscribe/v5/qos-3',
    version: 5,
    bytes: hex`82 07 00 01 00 00 01 61  03  # requested qos 3: a Protocol Error in 5.0 (section 3.8.3.1)`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'subscribe/v4/reserved-option-bits',
    version: 4,
    bytes: hex`82 06 00 01 00 01 61  04  # bit 2 is reserved in 3.1.1`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.8.3-4' },
  },
  {
    id: 'subscribe/v5/reserved-option-bits',
    version: 5,
    bytes: hex`82 07 00 01 00 00 01 61  41  # bit 6 is reserved`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.8.3-5' },
  },
  {
    id: 'subscribe/v5/retain-handling-3',
    version: 5,
    bytes: hex`82 07 00 01 00 00 01 61  30  # retain handling 3`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'subscribe/v4/empty-filter',
    version: 4,
    bytes: hex`82 05 00 01  00 00  00  # filter ""`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-4.7.3-1' },
  },
  {
    id: 'subscribe/v5/empty-filter',
    version: 5,
    bytes: hex`82 06 00 01 00  00 00  00  # filter ""`,
    decodeError: { reason: PROTOCOL, spec: 'MQTT-4.7.3-1' },
  },
  {
    id: 'subscribe/v5/filter-ill-formed-utf8',
    version: 5,
    bytes: hex`82 08 00 01 00  00 02 c3 28  00  # ill-formed filter`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.4-1' },
  },
  {
    id: 'subscribe/v4/filter-null-character',
    version: 4,
    bytes: hex`82 07 00 01  00 02 61 00  00  # filter "a", U+0000`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.3-2' },
  },
  {
    id: 'subscribe/v4/options-missing',
    version: 4,
    bytes: hex`82 05 00 01 00 01 61  # filter without its options byte`,
    decodeError: { reason: MALFORMED },
  },

  // Properties.
  {
    id: 'subscribe/v5/subscription-identifier-0',
    version: 5,
    bytes: hex`82 09 00 01  02 0b 00  00 01 61 00  # subscription identifier 0`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'subscribe/v5/two-subscription-identifiers',
    version: 5,
    bytes: hex`82 0b 00 01  04 0b 01 0b 02  00 01 61 00  # subscription identifier twice`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'subscribe/v5/property-not-allowed',
    version: 5,
    bytes: hex`82 0c 00 01  05 02 00 00 00 0a  00 01 61 00  # message expiry interval in SUBSCRIBE`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'subscribe/v3/fixed-header-flags',
    version: 3,
    bytes: hex`88 06 00 01 00 01 61 00  # SUBSCRIBE with flags 1000`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.8.1-1' },
  },
  {
    id: 'subscribe/v3/no-filters',
    version: 3,
    bytes: hex`82 02 00 01  # packet id only`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.8.3-3' },
  },
];
