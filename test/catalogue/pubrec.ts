// PUBREC cases, built from the shared acknowledgement cases in ack.ts.
import { PacketType } from '../../src/codec/types.js';
import { createAckCases } from './ack.js';
import type { PacketCase } from './types.js';

/** PUBREC wire cases. */
export const pubrecCases: PacketCase[] = createAckCases({
  name: 'pubrec',
  type: PacketType.PUBREC,
  header: 0x50,
  badHeader: 0x58,
  failure: 0x10,
  flagsSpec311: 'MQTT-2.2.2-1',
});
