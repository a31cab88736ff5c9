// PINGRESP cases.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const packet = { type: PacketType.PINGRESP } as const;

/** PINGRESP wire cases. */
export const pingrespCases: PacketCase[] = [
  { id: 'pingresp/v3/basic', version: 3, bytes: hex`d0 00  # PINGRESP, remaining 0`, packet },
  { id: 'pingresp/v4/basic', version: 4, bytes: hex`d0 00  # PINGRESP, remaining 0`, packet },
  { id: 'pingresp/v5/basic', version: 5, bytes: hex`d0 00  # PINGRESP, remaining 0`, packet },
  {
    id: 'pingresp/v4/fixed-header-flags',
    version: 4,
    bytes: hex`d8 00  # PINGRESP with flags 1000`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
  {
    id: 'pingresp/v5/fixed-header-flags',
    version: 5,
    bytes: hex`d2 00  # PINGRESP with flags 0010`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'pingresp/v5/remaining-length-longer-than-content',
    version: 5,
    bytes: hex`d0 02 00 00  # PINGRESP has no variable header`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'pingresp/v3/fixed-header-flags',
    version: 3,
    bytes: hex`d1 00  # PINGRESP with flags 0001`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-2.2.2-1' },
  },
];
