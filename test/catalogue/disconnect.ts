// DISCONNECT cases: empty in 3.x; reason code and properties in 5.0.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const T = PacketType.DISCONNECT;

/** DISCONNECT wire cases. */
export const disconnectCases: PacketCase[] = [
  {
    id: 'disconnect/v3/basic',
    version: 3,
    bytes: hex`e0 00  # DISCONNECT, remaining 0`,
    packet: { type: T, reasonCode: 0, properties: EMPTY_PROPERTIES },
  },
  {
    id: 'disconnect/v4/basic',
    version: 4,
    bytes: hex`e0 00  # DISCONNECT, remaining 0`,
    packet: { type: T, reasonCode: 0, properties: EMPTY_PROPERTIES },
  },
  {
    id: 'disconnect/v5/normal',
    version: 5,
    bytes: hex`e0 00  # remaining 0: normal disconnection, no properties`,
    packet: { type: T, reasonCode: 0, properties: {} },
  },
  {
    id: 'disconnect/v5/with-will',
    version: 5,
    bytes: hex`
      e0 01   # remaining 1: properties omitted
      04      # disconnect with will message`,
    packet: { type: T, reasonCode: 4, properties: {} },
  },
  {
    id: 'disconnect/v5/session-expiry',
    version: 5,
    bytes: hex`
      e0 07               # remaining 7
      00                  # normal disconnection
      05 11 00 00 00 3c   # properties: session expiry interval 60`,
    packet: { type: T, reasonCode: 0, properties: { sessionExpiryInterval: 60 } },
  },
  {
    id: 'disconnect/v5/server-moved',
    version: 5,
    bytes: hex`
      e0 0a           # remaining 10
      9c              # use another server
      08              # properties: 8 bytes
        1c 00 01 73   #   server reference "s"
        1f 00 01 72   #   reason string "r"`,
    packet: { type: T, reasonCode: 0x9c, properties: { serverReference: 's', reasonString: 'r' } },
  },
  {
    id: 'disconnect/v5/success-explicit',
    version: 5,
    direction: 'decode',
    bytes: hex`e0 01 00  # normal disconnection written out`,
    packet: { type: T, reasonCode: 0, properties: {} },
  },
  {
    id: 'disconnect/v4/fixed-header-flags',
    version: 4,
    bytes: hex`e2 00  # DISCONNECT with flags 0010`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-3.14.1-1' },
  },
  {
    id: 'disconnect/v5/fixed-header-flags',
    version: 5,
    bytes: hex`e1 00  # DISCONNECT with flags 0001`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-3.14.1-1' },
  },
  {
    id: 'disconnect/v4/remaining-length-longer-than-content',
    version: 4,
    bytes: hex`e0 01 00  # 3.1.1 DISCONNECT has no variable header`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'disconnect/v5/property-not-allowed',
    version: 5,
    bytes: hex`e0 05 00  03 23 00 01  # topic alias in DISCONNECT`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET },
  },
  {
    id: 'disconnect/v5/duplicate-property',
    version: 5,
    bytes: hex`e0 0c 00  0a 11 00 00 00 01 11 00 00 00 02  # session expiry interval twice`,
    decodeError: { reason: ReasonCode.PROTOCOL_ERROR },
  },
  {
    id: 'disconnect/v3/fixed-header-flags',
    version: 3,
    bytes: hex`e4 00  # DISCONNECT with flags 0100`,
    decodeError: { reason: ReasonCode.MALFORMED_PACKET, spec: 'MQTT-3.14.1-1' },
  },
];
