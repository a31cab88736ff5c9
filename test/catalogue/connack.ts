// CONNACK cases: 3.1 / 3.1.1 return codes and 5.0 reason codes with properties.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { PacketCase } from './types.js';
import { hex } from './hex.js';

const MALFORMED = ReasonCode.MALFORMED_PACKET;
const T = PacketType.CONNACK;

/** CONNACK wire cases. */
export const connackCases: PacketCase[] = [
  {
    id: 'connack/v3/accepted',
    version: 3,
    bytes: hex`
      20 02   # CONNACK, remaining 2
      00      # 3.1: reserved byte
      00      # return code 0, accepted`,
    packet: { type: T, sessionPresent: false, reasonCode: 0, properties: EMPTY_PROPERTIES },
  },
  {
    id: 'connack/v3/identifier-rejected',
    version: 3,
    bytes: hex`20 02 00 02  # return code 2, identifier rejected`,
    packet: { type: T, sessionPresent: false, reasonCode: 2, properties: EMPTY_PROPERTIES },
  },
  {
    id: 'connack/v4/accepted',
    version: 4,
    bytes: hex`
      20 02   # CONNACK, remaining 2
      00      # acknowledge flags: session present 0
      00      # return code 0`,
    packet: { type: T, sessionPresent: false, reasonCode: 0, properties: EMPTY_PROPERTIES },
  },
  {
    id: 'connack/v4/session-present',
    version: 4,
    bytes: hex`20 02 01 00  # session present 1, accepted`,
    packet: { type: T, sessionPresent: true, reasonCode: 0, properties: EMPTY_PROPERTIES },
  },
  {
    id: 'connack/v4/not-authorized',
    version: 4,
    bytes: hex`20 02 00 05  # return code 5, not authorized`,
    packet: { type: T, sessionPresent: false, reasonCode: 5, properties: EMPTY_PROPERTIES },
  },
  {
    id: 'connack/v5/accepted',
    version: 5,
    bytes: hex`
      20 03   # CONNACK, remaining 3
      00      # session present 0
      00      # reason code success
      00      # properties: none`,
    packet: { type: T, sessionPresent: false, reasonCode: 0, properties: {} },
  },
  {
    id: 'connack/v5/capabilities',
    version: 5,
    bytes: hex`
      20 20                 # CONNACK, remaining 32
      01                    # session present 1
      00                    # success
      1d                    # properties: 29 bytes
        12 00 02 69 64      #   assigned client identifier "id"
        13 00 1e            #   server keep alive 30
        21 00 64            #   receive maximum 100
        22 00 05            #   topic alias maximum 5
        24 01               #   maximum qos 1
        25 00               #   retain available 0
        27 00 01 00 00      #   maximum packet size 65536
        28 01               #   wildcard subscription available 1
        29 00               #   subscription identifiers available 0
        2a 01               #   shared subscription available 1`,
    packet: {
      type: T,
      sessionPresent: true,
      reasonCode: 0,
      properties: {
        assignedClientIdentifier: 'id',
        serverKeepAlive: 30,
        receiveMaximum: 100,
        topicAliasMaximum: 5,
        maximumQoS: 1,
        retainAvailable: 0,
        maximumPacketSize: 65536,
        wildcardSubscriptionAvailable: 1,
        subscriptionIdentifiersAvailable: 0,
        sharedSubscriptionAvailable: 1,
      },
    },
  },
  {
    id: 'connack/v5/bad-user-name-or-password',
    version: 5,
    bytes: hex`
      20 08                 # CONNACK, remaining 8
      00 86                 # reason 0x86 bad user name or password
      05 1f 00 02 6e 6f     # properties: reason string "no"`,
    packet: { type: T, sessionPresent: false, reasonCode: 0x86, properties: { reasonString: 'no' } },
  },
  {
    id: 'connack/v5/server-reference',
    version: 5,
    bytes: hex`
      20 0b                 # CONNACK, remaining 11
      00 9c                 # reason 0x9c use another server
      08                    # properties: 8 bytes
        1a 00 01 72         #   response information "r"
        1c 00 01 73         #   server reference "s"`,
    packet: { type: T, sessionPresent: false, reasonCode: 0x9c, properties: { responseInformation: 'r', serverReference: 's' } },
  },
  {
    id: 'connack/v4/fixed-header-flags',
    version: 4,
    bytes: hex`21 02 00 00  # CONNACK with flag bit 0 set`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.2.2-1' },
  },
  {
    id: 'connack/v5/fixed-header-flags',
    version: 5,
    bytes: hex`24 03 00 00 00  # CONNACK with flag bit 2 set`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'connack/v5/acknowledge-flags-reserved',
    version: 5,
    bytes: hex`20 03  02 # reserved acknowledge flag bit 1
      00 00`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.2.2-1' },
  },
  {
    id: 'connack/v4/remaining-length-longer-than-content',
    version: 4,
    bytes: hex`20 03 00 00  00  # one byte more than a 3.1.1 CONNACK has`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'connack/v4/remaining-length-shorter-than-content',
    version: 4,
    bytes: hex`20 01 00  # return code missing`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'connack/v5/property-not-allowed',
    version: 5,
    bytes: hex`20 06 00 00  03 23 00 01  # topic alias is not a CONNACK property`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'connack/v5/duplicate-property',
    version: 5,
    bytes: hex`
      20 09 00 00
      06 24 01 24 01 25 01  # maximum qos twice`,
    decodeError: { reason: ReasonCode.PROTOCOL_ERROR },
  },
  {
    id: 'connack/v3/fixed-header-flags',
    version: 3,
    bytes: hex`28 02 00 00  # CONNACK with flag bit 3 set`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.2.2-1' },
  },
];
