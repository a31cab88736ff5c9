// PUBACK cases, built from the shared acknowledgement cases in ack.ts.
import { PacketType } from '../../src/codec/types.js';
import { createAckCases } from './ack.js';
import type { PacketCase } from './types.js';

/** PUBACK wire cases. */
export const pubackCases: PacketCase[] = createAckCases({
  name: 'puback',
  type: PacketType.PUBACK,
  header: 0x40,
  badHeader: 0x42,
  failure: 0x10,
  flagsSpec311: 'MQTT-2.2.2-1',
});
