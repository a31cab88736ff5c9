// SUBACK cases: granted QoS and failure codes, 5.0 properties.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const T = PacketType.SUBACK;

/** SUBACK wire cases. */
export const subackCases: PacketCase[] = [
  {
    id: 'suback/v3/one',
    version: 3,
    bytes: hex`90 03 00 01 01  # packet id 1, granted qos 1`,
    packet: { type: T, packetId: 1, reasonCodes: [1], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'suback/v4/granted-and-failure',
    version: 4,
    bytes: hex`
      90 06         # SUBACK, remaining 6
      00 0a         # packet id 10
      00 01 02 80   # granted 0, 1, 2, failure`,
    packet: { type: T, packetId: 10, reasonCodes: [0, 1, 2, 0x80], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'suback/v5/basic',
    version: 5,
    bytes: hex`
      90 04     # SUBACK, remaining 4
      00 01     # packet id 1
      00        # properties: none
      02        # granted qos 2`,
    packet: { type: T, packetId: 1, reasonCodes: [2], properties: {} },
  },
  {
    id: 'suback/v5/reason-string',
    version: 5,
    bytes: hex`
      90 0b               # SUBACK, remaining 11
      00 01               # packet id 1
      05 1f 00 02 6e 6f   # properties: reason string "no"
      00 87 8f            # granted 0, not authorized, topic filter invalid`,
    packet: { type: T, packetId: 1, reasonCodes: [0, 0x87, 0x8f], properties: { reasonString: 'no' } },
  },
  {
    id: 'suback/v4/fixed-header-flags',
    version: 4,
    bytes: hex`92 03 00 01 00  # SUBACK with flags 0010`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
  {
    id: 'suback/v5/fixed-header-flags',
    version: 5,
    bytes: hex`98 04 00 01 00 00  # SUBACK with flags 1000`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'suback/v4/reserved-return-code',
    version: 4,
    bytes: hex`90 03 00 01  03  # return code 3 is reserved`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-3.9.3-2' },
  },
  {
    id: 'suback/v5/property-not-allowed',
    version: 5,
    bytes: hex`90 07 00 01  03 23 00 01  00  # topic alias in SUBACK`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'suback/v3/fixed-header-flags',
    version: 3,
    bytes: hex`94 03 00 01 00  # SUBACK with flags 0100`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
];
