// UNSUBACK cases: empty in 3.x, one reason code per filter in 5.0.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const T = PacketType.UNSUBACK;

/** UNSUBACK wire cases. */
export const unsubackCases: PacketCase[] = [
  {
    id: 'unsuback/v3/basic',
    version: 3,
    bytes: hex`b0 02 00 09  # packet id 9`,
    packet: { type: T, packetId: 9, reasonCodes: [], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'unsuback/v4/basic',
    version: 4,
    bytes: hex`
      b0 02   # UNSUBACK, remaining 2
      00 01   # packet id 1 (3.1.1 has no payload)`,
    packet: { type: T, packetId: 1, reasonCodes: [], properties: EMPTY_PROPERTIES },
  },
  {
    id: 'unsuback/v5/reason-codes',
    version: 5,
    bytes: hex`
      b0 05   # UNSUBACK, remaining 5
      00 01   # packet id 1
      00      # properties: none
      00 11   # success, no subscription existed`,
    packet: { type: T, packetId: 1, reasonCodes: [0, 0x11], properties: {} },
  },
  {
    id: 'unsuback/v5/reason-string',
    version: 5,
    bytes: hex`
      b0 09               # UNSUBACK, remaining 9
      00 01               # packet id 1
      05 1f 00 02 6e 6f   # properties: reason string "no"
      87                  # not authorized`,
    packet: { type: T, packetId: 1, reasonCodes: [0x87], properties: { reasonString: 'no' } },
  },
  {
    id: 'unsuback/v4/fixed-header-flags',
    version: 4,
    bytes: hex`b2 02 00 01  # UNSUBACK with flags 0010`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
  {
    id: 'unsuback/v5/fixed-header-flags',
    version: 5,
    bytes: hex`b1 04 00 01 00 00  # UNSUBACK with flags 0001`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'unsuback/v4/remaining-length-longer-than-content',
    version: 4,
    bytes: hex`b0 03 00 01  00  # 3.1.1 UNSUBACK is exactly 2 bytes`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'unsuback/v5/property-not-allowed',
    version: 5,
    bytes: hex`b0 07 00 01  03 23 00 01  00  # topic alias in UNSUBACK`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'unsuback/v3/fixed-header-flags',
    version: 3,
    bytes: hex`b8 02 00 01  # UNSUBACK with flags 1000`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
];
