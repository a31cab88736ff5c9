// AUTH cases (5.0 only; type 15 is reserved in 3.x).
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const T = PacketType.AUTH;

/** AUTH wire cases. */
export const authCases: PacketCase[] = [
  {
    id: 'auth/v5/success-short',
    version: 5,
    bytes: hex`f0 00  # remaining 0: success, no properties`,
    packet: { type: T, reasonCode: 0, properties: {} },
  },
  {
    id: 'auth/v5/continue',
    version: 5,
    bytes: hex`
      f0 0b              # AUTH, remaining 11
      18                 # continue authentication
      09                 # properties: 9 bytes
        15 00 01 6d      #   authentication method "m"
        16 00 02 01 02   #   authentication data 01 02`,
    packet: { type: T, reasonCode: 0x18, properties: { authenticationMethod: 'm', authenticationData: Buffer.from([1, 2]) } },
  },
  {
    id: 'auth/v5/re-authenticate',
    version: 5,
    bytes: hex`
      f0 0b 19           # re-authenticate, remaining 11
      09 15 00 01 6d 16 00 02 03 04`,
    packet: { type: T, reasonCode: 0x19, properties: { authenticationMethod: 'm', authenticationData: Buffer.from([3, 4]) } },
  },
  {
    id: 'auth/v5/fixed-header-flags',
    version: 5,
    bytes: hex`f1 00  # AUTH with flags 0001`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'auth/v5/property-not-allowed',
    version: 5,
    bytes: hex`f0 05 18  03 23 00 01  # topic alias in AUTH`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'auth/v4/reserved-type',
    version: 4,
    bytes: hex`f0 00  # type 15 is reserved in 3.1.1`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'auth/v3/reserved-type',
    version: 3,
    bytes: hex`f0 00  # type 15 is reserved in 3.1`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
];
