// PUBREL cases, built from the shared acknowledgement cases in ack.ts.
import { PacketType } from '../../src/codec/types.js';
import { createAckCases } from './ack.js';
import type { PacketCase } from './types.js';

/** PUBREL wire cases. */
export const pubrelCases: PacketCase[] = createAckCases({
  name: 'pubrel',
  type: PacketType.PUBREL,
  header: 0x62,
  badHeader: 0x60,
  failure: 0x92,
  flagsSpec311: 'MQTT-3.6.1-1',
});
