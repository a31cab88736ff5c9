// UNSUBSCRIBE cases: filters, 5.0 properties and the payload rules.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const MALFORMED = ReasonCode.MALFORMED_PACKET;
const PROTOCOL = ReasonCode.PROTOCOL_ERROR;
const T = PacketType.UNSUBSCRIBE;

/** UNSUBSCRIBE wire cases. */
export const unsubscribeCases: PacketCase[] = [
  {
    id: 'unsubscribe/v3/one',
    version: 3,
    bytes: hex`a2 05 00 01 00 01 61  # packet id 1, filter "a"`,
    packet: { type: T, packetId: 1, topics: ['a'], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'unsubscribe/v4/two',
    version: 4,
    bytes: hex`
      a2 0a            # UNSUBSCRIBE (flags 0010), remaining 10
      00 05            # packet id 5
      00 01 61         # filter "a"
      00 03 62 2f 23   # filter "b/#"`,
    packet: { type: T, packetId: 5, topics: ['a', 'b/#'], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'unsubscribe/v5/one',
    version: 5,
    bytes: hex`
      a2 06       # UNSUBSCRIBE, remaining 6
      00 01       # packet id 1
      00          # properties: none
      00 01 61    # filter "a"`,
    packet: { type: T, packetId: 1, topics: ['a'], properties: {} },
  },
  {
    id: 'unsubscribe/v5/user-property',
    version: 5,
    bytes: hex`
      a2 0d                    # UNSUBSCRIBE, remaining 13
      00 01                    # packet id 1
      07 26 00 01 6b 00 01 76  # properties: user property k=v
      00 01 61                 # filter "a"`,
    packet: { type: T, packetId: 1, topics: ['a'], properties: { userProperties: [['k', 'v']] } },
  },
  {
    id: 'unsubscribe/v4/fixed-header-flags',
    version: 4,
    bytes: hex`a0 05 00 01 00 01 61  # UNSUBSCRIBE with flags 0000`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.10.1-1' },
  },
  {
    id: 'unsubscribe/v5/fixed-header-flags',
    version: 5,
    bytes: hex`a6 06 00 01 00 00 01 61  # UNSUBSCRIBE with flags 0110`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'unsubscribe/v4/no-filters',
    version: 4,
    bytes: hex`a2 02 00 01  # packet id only`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.10.3-2' },
  },
  {
    id: 'unsubscribe/v5/no-filters',
    version: 5,
    bytes: hex`a2 03 00 01 00  # packet id and empty properties only`,
    decodeError: { reason: PROTOCOL, spec: 'MQTT-3.10.3-2' },
  },
  {
    id: 'unsubscribe/v4/packet-id-0',
    version: 4,
    bytes: hex`a2 05  00 00  00 01 61  # packet id 0`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.3.1-1' },
  },
  {
    id: 'unsubscribe/v5/packet-id-0',
    version: 5,
    bytes: hex`a2 06  00 00  00 00 01 61  # packet id 0`,
    decodeError: { reason: PROTOCOL, spec: 'MQTT-2.2.1-3' },
  },
  {
    id: 'unsubscribe/v4/empty-filter',
    version: 4,
    bytes: hex`a2 04 00 01  00 00  # filter ""`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-4.7.3-1' },
  },
  {
    id: 'unsubscribe/v4/filter-null-character',
    version: 4,
    bytes: hex`a2 06 00 01  00 02 61 00  # filter "a", U+0000`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.3-2' },
  },
  {
    id: 'unsubscribe/v5/filter-surrogate',
    version: 5,
    bytes: hex`a2 08 00 01 00  00 03 ed b0 80  # encoded U+DC00`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.4-1' },
  },
  {
    id: 'unsubscribe/v5/property-not-allowed',
    version: 5,
    bytes: hex`a2 08 00 01  02 0b 01  00 01 61  # subscription identifier in UNSUBSCRIBE`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'unsubscribe/v3/packet-id-0',
    version: 3,
    bytes: hex`a2 05  00 00  00 01 61  # packet id 0`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.3.1-1' },
  },
];
