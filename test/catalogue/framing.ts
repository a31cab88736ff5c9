// Cases that belong to no packet type: the reserved type 0 and the remaining length varint.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

/** Fixed header cases not tied to one packet type. */
export const framingCases: PacketCase[] = [
  {
    id: 'framing/v4/reserved-type-0',
    version: 4,
    bytes: hex`00 00  # packet type 0 is reserved`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'framing/v5/reserved-type-0',
    version: 5,
    bytes: hex`00 00  # packet type 0 is reserved`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'framing/v5/remaining-length-too-large-for-limit',
    version: 5,
    maxPacketSize: 1024,
    // Rejected from the header alone: the parser must not wait for 268 MB first.
    bytes: hex`30 ff ff ff 7f  # PUBLISH claiming 268435455 bytes`,
    decodeError: { reason: ReasonCode.PACKET_TOO_LARGE },
  },
];
