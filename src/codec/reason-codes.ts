// MQTT 5.0 reason codes (spec section 2.4, table 2-6) and the MQTT 3.1.1 CONNACK return codes (table 3.1).
import { PacketType } from './types.js';

/** MQTT 5.0 reason codes by name. */
export const ReasonCode = {
  SUCCESS: 0x00,
  NORMAL_DISCONNECTION: 0x00,
  GRANTED_QOS_0: 0x00,
  GRANTED_QOS_1: 0x01,
  GRANTED_QOS_2: 0x02,
  DISCONNECT_WITH_WILL_MESSAGE: 0x04,
  NO_MATCHING_SUBSCRIBERS: 0x10,
  NO_SUBSCRIPTION_EXISTED: 0x11,
  CONTINUE_AUTHENTICATION: 0x18,
  RE_AUTHENTICATE: 0x19,
  UNSPECIFIED_ERROR: 0x80,
  MALFORMED_PACKET: 0x81,
  PROTOCOL_ERROR: 0x82,
  IMPLEMENTATION_SPECIFIC_ERROR: 0x83,
  UNSUPPORTED_PROTOCOL_VERSION: 0x84,
  CLIENT_IDENTIFIER_NOT_VALID: 0x85,
  BAD_USER_NAME_OR_PASSWORD: 0x86,
  NOT_AUTHORIZED: 0x87,
  SERVER_UNAVAILABLE: 0x88,
  SERVER_BUSY: 0x89,
  BANNED: 0x8a,
  SERVER_SHUTTING_DOWN: 0x8b,
  BAD_AUTHENTICATION_METHOD: 0x8c,
  KEEP_ALIVE_TIMEOUT: 0x8d,
  SESSION_TAKEN_OVER: 0x8e,
  TOPIC_FILTER_INVALID: 0x8f,
  TOPIC_NAME_INVALID: 0x90,
  PACKET_IDENTIFIER_IN_USE: 0x91,
  PACKET_IDENTIFIER_NOT_FOUND: 0x92,
  RECEIVE_MAXIMUM_EXCEEDED: 0x93,
  TOPIC_ALIAS_INVALID: 0x94,
  PACKET_TOO_LARGE: 0x95,
  MESSAGE_RATE_TOO_HIGH: 0x96,
  QUOTA_EXCEEDED: 0x97,
  ADMINISTRATIVE_ACTION: 0x98,
  PAYLOAD_FORMAT_INVALID: 0x99,
  RETAIN_NOT_SUPPORTED: 0x9a,
  QOS_NOT_SUPPORTED: 0x9b,
  USE_ANOTHER_SERVER: 0x9c,
  SERVER_MOVED: 0x9d,
  SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: 0x9e,
  CONNECTION_RATE_EXCEEDED: 0x9f,
  MAXIMUM_CONNECT_TIME: 0xa0,
  SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: 0xa1,
  WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: 0xa2,
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

const P = PacketType;

/** One row of the reason code table: its value, its spec name and the packets it may appear in. */
export interface ReasonCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly packets: readonly PacketType[];
}

/** Table 2-6: every 5.0 reason code row, in spec order (0x00 has three names). */
export const REASON_CODE_TABLE: readonly ReasonCodeInfo[] = [
  { code: 0x00, name: 'Success', packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.PUBREL, P.PUBCOMP, P.UNSUBACK, P.AUTH] },
  { code: 0x00, name: 'Normal disconnection', packets: [P.DISCONNECT] },
  { code: 0x00, name: 'Granted QoS 0', packets: [P.SUBACK] },
  { code: 0x01, name: 'Granted QoS 1', packets: [P.SUBACK] },
  { code: 0x02, name: 'Granted QoS 2', packets: [P.SUBACK] },
  { code: 0x04, name: 'Disconnect with Will Message', packets: [P.DISCONNECT] },
  { code: 0x10, name: 'No matching subscribers', packets: [P.PUBACK, P.PUBREC] },
  { code: 0x11, name: 'No subscription existed', packets: [P.UNSUBACK] },
  { code: 0x18, name: 'Continue authentication', packets: [P.AUTH] },
  { code: 0x19, name: 'Re-authenticate', packets: [P.AUTH] },
  { code: 0x80, name: 'Unspecified error', packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.SUBACK, P.UNSUBACK, P.DISCONNECT] },
  { code: 0x81, name: 'Malformed Packet', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x82, name: 'Protocol Error', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x83, name: 'Implementation specific error', packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.SUBACK, P.UNSUBACK, P.DISCONNECT] },
  { code: 0x84, name: 'Unsupported Protocol Version', packets: [P.CONNACK] },
  { code: 0x85, name: 'Client Identifier not valid', packets: [P.CONNACK] },
  { code: 0x86, name: 'Bad User Name or Password', packets: [P.CONNACK] },
  { code: 0x87, name: 'Not authorized', packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.SUBACK, P.UNSUBACK, P.DISCONNECT] },
  { code: 0x88, name: 'Server unavailable', packets: [P.CONNACK] },
  { code: 0x89, name: 'Server busy', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x8a, name: 'Banned', packets: [P.CONNACK] },
  { code: 0x8b, name: 'Server shutting down', packets: [P.DISCONNECT] },
  { code: 0x8c, name: 'Bad authentication method', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x8d, name: 'Keep Alive timeout', packets: [P.DISCONNECT] },
  { code: 0x8e, name: 'Session taken over', packets: [P.DISCONNECT] },
  { code: 0x8f, name: 'Topic Filter invalid', packets: [P.SUBACK, P.UNSUBACK, P.DISCONNECT] },
  { code: 0x90, name: 'Topic Name invalid', packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.DISCONNECT] },
  { code: 0x91, name: 'Packet Identifier in use', packets: [P.PUBACK, P.PUBREC, P.SUBACK, P.UNSUBACK] },
  { code: 0x92, name: 'Packet Identifier not found', packets: [P.PUBREL, P.PUBCOMP] },
  { code: 0x93, name: 'Receive Maximum exceeded', packets: [P.DISCONNECT] },
  { code: 0x94, name: 'Topic Alias invalid', packets: [P.DISCONNECT] },
  { code: 0x95, name: 'Packet too large', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x96, name: 'Message rate too high', packets: [P.DISCONNECT] },
  { code: 0x97, name: 'Quota exceeded', packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.SUBACK, P.DISCONNECT] },
  { code: 0x98, name: 'Administrative action', packets: [P.DISCONNECT] },
  { code: 0x99, name: 'Payload format invalid', packets: [P.CONNACK, P.PUBACK, P.PUBREC, P.DISCONNECT] },
  { code: 0x9a, name: 'Retain not supported', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x9b, name: 'QoS not supported', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x9c, name: 'Use another server', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x9d, name: 'Server moved', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0x9e, name: 'Shared Subscriptions not supported', packets: [P.SUBACK, P.DISCONNECT] },
  { code: 0x9f, name: 'Connection rate exceeded', packets: [P.CONNACK, P.DISCONNECT] },
  { code: 0xa0, name: 'Maximum connect time', packets: [P.DISCONNECT] },
  { code: 0xa1, name: 'Subscription Identifiers not supported', packets: [P.SUBACK, P.DISCONNECT] },
  { code: 0xa2, name: 'Wildcard Subscriptions not supported', packets: [P.SUBACK, P.DISCONNECT] },
];

// Per packet type, the set of reason codes allowed in it; built once from the table.
const allowedByPacket = new Map<PacketType, Set<number>>();
for (const row of REASON_CODE_TABLE) {
  for (const p of row.packets) {
    let set = allowedByPacket.get(p);
    if (set === undefined) allowedByPacket.set(p, (set = new Set()));
    set.add(row.code);
  }
}

/** True when `code` is a valid 5.0 reason code for packets of type `packetType`. */
export function isReasonCodeAllowed(packetType: PacketType, code: number): boolean {
  return allowedByPacket.get(packetType)?.has(code) ?? false;
}

/** The spec name of a reason code in a packet type, e.g. `Malformed Packet`; `undefined` when not valid there. */
export function reasonCodeName(code: number, packetType?: PacketType): string | undefined {
  for (const row of REASON_CODE_TABLE) {
    if (row.code === code && (packetType === undefined || row.packets.includes(packetType))) return row.name;
  }
  return undefined;
}

/** MQTT 3.1 / 3.1.1 CONNACK return codes (3.1.1 table 3.1). */
export const ConnectReturnCode = {
  ACCEPTED: 0,
  UNACCEPTABLE_PROTOCOL_VERSION: 1,
  IDENTIFIER_REJECTED: 2,
  SERVER_UNAVAILABLE: 3,
  BAD_USER_NAME_OR_PASSWORD: 4,
  NOT_AUTHORIZED: 5,
} as const;
export type ConnectReturnCode = (typeof ConnectReturnCode)[keyof typeof ConnectReturnCode];

/** Names of the 3.1.1 CONNACK return codes, indexed by code. */
export const CONNECT_RETURN_CODE_NAMES: readonly string[] = [
  'Connection Accepted',
  'Connection Refused, unacceptable protocol version',
  'Connection Refused, identifier rejected',
  'Connection Refused, Server unavailable',
  'Connection Refused, bad user name or password',
  'Connection Refused, not authorized',
];

/**
 * Maps a 5.0 CONNACK reason code to the closest 3.1.1 return code, for refusing a 3.x client.
 * Codes without a 3.1.1 equivalent become "Server unavailable".
 */
export function toConnectReturnCode(reason: number): ConnectReturnCode {
  switch (reason) {
    case ReasonCode.SUCCESS:
      return ConnectReturnCode.ACCEPTED;
    case ReasonCode.UNSUPPORTED_PROTOCOL_VERSION:
      return ConnectReturnCode.UNACCEPTABLE_PROTOCOL_VERSION;
    case ReasonCode.CLIENT_IDENTIFIER_NOT_VALID:
      return ConnectReturnCode.IDENTIFIER_REJECTED;
    case ReasonCode.BAD_USER_NAME_OR_PASSWORD:
    case ReasonCode.BAD_AUTHENTICATION_METHOD:
      return ConnectReturnCode.BAD_USER_NAME_OR_PASSWORD;
    case ReasonCode.NOT_AUTHORIZED:
    case ReasonCode.BANNED:
      return ConnectReturnCode.NOT_AUTHORIZED;
    default:
      return ConnectReturnCode.SERVER_UNAVAILABLE;
  }
}
