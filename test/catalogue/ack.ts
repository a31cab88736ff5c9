// Shared builder for the four publish acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP), which
// differ on the wire only in the first byte and in the reason codes they may carry.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES } from '../../src/codec/types.js';
import type { PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

type AckType = typeof PacketType.PUBACK | typeof PacketType.PUBREC | typeof PacketType.PUBREL | typeof PacketType.PUBCOMP;

/** What differs between the four acknowledgements. */
export interface AckSpec {
  name: string;
  type: AckType;
  /** Byte 1: type nibble and the required flags (0x62 for PUBREL, else low nibble 0). */
  header: number;
  /** The same byte with a reserved flag bit flipped. */
  badHeader: number;
  /** A non-success reason code valid for this packet. */
  failure: number;
  /** The spec id for the reserved flags rule in 3.1.1. */
  flagsSpec311: string;
}

/** Builds the catalogue cases of one acknowledgement type. */
export function createAckCases(a: AckSpec): PacketCase[] {
  const { name, type, header: h } = a;
  return [
    {
      id: `${name}/v3/basic`,
      version: 3,
      bytes: hex`${h} 02  00 01  # packet id 1`,
      packet: { type, packetId: 1, reasonCode: 0, properties: EMPTY_PROPERTIES },
    },
    {
      id: `${name}/v4/basic`,
      version: 4,
      bytes: hex`
        ${h} 02   # remaining 2
        12 34     # packet id 0x1234`,
      packet: { type, packetId: 0x1234, reasonCode: 0, properties: EMPTY_PROPERTIES },
    },
    {
      id: `${name}/v5/success-short`,
      version: 5,
      bytes: hex`
        ${h} 02   # remaining 2: reason code and properties omitted (success, none)
        00 07     # packet id 7`,
      packet: { type, packetId: 7, reasonCode: 0, properties: {} },
    },
    {
      id: `${name}/v5/reason-code`,
      version: 5,
      bytes: hex`
        ${h} 03   # remaining 3: properties omitted
        00 07     # packet id 7
        ${a.failure}`,
      packet: { type, packetId: 7, reasonCode: a.failure, properties: {} },
    },
    {
      id: `${name}/v5/reason-string`,
      version: 5,
      bytes: hex`
        ${h} 09             # remaining 9
        00 07               # packet id 7
        ${a.failure}        # reason code
        05 1f 00 02 6e 6f   # properties: reason string "no"`,
      packet: { type, packetId: 7, reasonCode: a.failure, properties: { reasonString: 'no' } },
    },
    {
      id: `${name}/v5/user-properties`,
      version: 5,
      bytes: hex`
        ${h} 12                  # remaining 18
        ff fe                    # packet id 65534
        00                       # success, written because properties follow
        0e                       # properties: 14 bytes
          26 00 01 61 00 01 62   #   user property a=b
          26 00 01 61 00 01 62   #   the same pair again`,
      packet: {
        type,
        packetId: 65534,
        reasonCode: 0,
        properties: {
          userProperties: [
            ['a', 'b'],
            ['a', 'b'],
          ],
        },
      },
    },
    {
      id: `${name}/v5/success-explicit`,
      version: 5,
      direction: 'decode',
      bytes: hex`${h} 03 00 07  00  # success written out, properties omitted`,
      packet: { type, packetId: 7, reasonCode: 0, properties: {} },
    },
    {
      id: `${name}/v5/success-empty-properties`,
      version: 5,
      direction: 'decode',
      bytes: hex`${h} 04 00 07  00 00  # success and an empty property list written out`,
      packet: { type, packetId: 7, reasonCode: 0, properties: {} },
    },
    {
      id: `${name}/v4/fixed-header-flags`,
      version: 4,
      bytes: hex`${a.badHeader} 02 00 01  # reserved flags wrong`,
      decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: a.flagsSpec311 },
    },
    {
      id: `${name}/v5/fixed-header-flags`,
      version: 5,
      bytes: hex`${a.badHeader} 02 00 01  # reserved flags wrong`,
      decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.1.3-1' },
    },
    {
      id: `${name}/v4/remaining-length-longer-than-content`,
      version: 4,
      bytes: hex`${h} 03 00 01  00  # 3.1.1 acknowledgements are exactly 2 bytes`,
      decodeError: { reason: ReasonCode.MALFORMED_PACKET },
    },
    {
      id: `${name}/v4/remaining-length-shorter-than-content`,
      version: 4,
      bytes: hex`${h} 01 00  # half a packet id`,
      decodeError: { reason: ReasonCode.MALFORMED_PACKET },
    },
    {
      id: `${name}/v5/property-not-allowed`,
      version: 5,
      bytes: hex`${h} 07 00 07 00  03 23 00 01  # topic alias in an acknowledgement`,
      decodeError: { reason: ReasonCode.MALFORMED_PACKET },
    },
    {
      id: `${name}/v5/duplicate-reason-string`,
      version: 5,
      bytes: hex`
        ${h} 0c 00 07 00
        08 1f 00 01 61 1f 00 01 62   # reason string twice`,
      decodeError: { reason: ReasonCode.PROTOCOL_ERROR },
    },
    {
      id: `${name}/v3/fixed-header-flags`,
      version: 3,
      bytes: hex`${a.badHeader} 02 00 01  # reserved flags wrong`,
      decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: a.flagsSpec311 },
    },
  ];
}
