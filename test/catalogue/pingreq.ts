// PINGREQ cases: two bytes in every version, and the framing rules shown on the smallest packet.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const packet = { type: PacketType.PINGREQ } as const;

/** PINGREQ wire cases. */
export const pingreqCases: PacketCase[] = [
  { id: 'pingreq/v3/basic', version: 3, bytes: hex`c0 00  # PINGREQ, remaining 0`, packet },
  { id: 'pingreq/v4/basic', version: 4, bytes: hex`c0 00  # PINGREQ, remaining 0`, packet },
  { id: 'pingreq/v5/basic', version: 5, bytes: hex`c0 00  # PINGREQ, remaining 0`, packet },
  {
    id: 'pingreq/v4/remaining-length-not-minimal',
    version: 4,
    direction: 'decode',
    bytes: hex`c0 80 00  # remaining length 0 in two bytes: 3.1.1 states no minimal-encoding rule`,
    packet,
  },
  {
    id: 'pingreq/v5/remaining-length-not-minimal',
    version: 5,
    bytes: hex`c0 80 00  # remaining length 0 in two bytes`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-1.5.5-1' },
  },
  {
    id: 'pingreq/v4/fixed-header-flags',
    version: 4,
    bytes: hex`c1 00  # PINGREQ with flags 0001`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
  {
    id: 'pingreq/v5/fixed-header-flags',
    version: 5,
    bytes: hex`c4 00  # PINGREQ with flags 0100`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'pingreq/v4/remaining-length-longer-than-content',
    version: 4,
    bytes: hex`c0 01 00  # PINGREQ has no variable header`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'pingreq/v5/remaining-length-5-bytes',
    version: 5,
    bytes: hex`c0 80 80 80 80 00  # the varint continues into a fifth byte`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'pingreq/v4/remaining-length-5-bytes',
    version: 4,
    bytes: hex`c0 ff ff ff ff 7f  # the varint continues into a fifth byte`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'pingreq/v3/fixed-header-flags',
    version: 3,
    bytes: hex`c2 00  # PINGREQ with flags 0010`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
];
