// PUBCOMP cases, built from the shared acknowledgement cases in ack.ts.
import { PacketType } from '../../src/codec/types.js';
import { createAckCases } from './ack.js';
import type { PacketCase } from './types.js';

/** PUBCOMP wire cases. */
export const pubcompCases: PacketCase[] = createAckCases({
  name: 'pubcomp',
  type: PacketType.PUBCOMP,
  header: 0x70,
  badHeader: 0x71,
  failure: 0x92,
  flagsSpec311: 'MQTT-2.2.2-1',
});
