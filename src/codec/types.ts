// Packet types of MQTT 3.1, 3.1.1 and 5.0 as one discriminated union on `type`.
// Every packet interface lists all its fields; `properties` is always present
// (EMPTY_PROPERTIES when the packet carries none) so objects keep one shape.

/** MQTT control packet types (byte 1, bits 7-4). */
export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** Protocol level: 3 = MQTT 3.1 (`MQIsdp`), 4 = 3.1.1, 5 = 5.0. */
export type ProtocolVersion = 3 | 4 | 5;

/** Quality of service level. */
export type QoS = 0 | 1 | 2;

/** A user property: name and value, in wire order; duplicates allowed. */
export type UserProperty = readonly [name: string, value: string];

/**
 * MQTT 5 properties. Absent keys mean "not present on the wire".
 * `subscriptionIdentifiers` is a list because PUBLISH may carry several;
 * SUBSCRIBE carries at most one.
 */
export interface Properties {
  payloadFormatIndicator?: number;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  subscriptionIdentifiers?: number[];
  sessionExpiryInterval?: number;
  assignedClientIdentifier?: string;
  serverKeepAlive?: number;
  authenticationMethod?: string;
  authenticationData?: Buffer;
  requestProblemInformation?: number;
  willDelayInterval?: number;
  requestResponseInformation?: number;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQoS?: number;
  retainAvailable?: number;
  userProperties?: UserProperty[];
  maximumPacketSize?: number;
  wildcardSubscriptionAvailable?: number;
  subscriptionIdentifiersAvailable?: number;
  sharedSubscriptionAvailable?: number;
}

/** The shared empty property set; never mutate it. */
export const EMPTY_PROPERTIES: Readonly<Properties> = Object.freeze({});

/** The will message carried in CONNECT. */
export interface Will {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  /** Will properties (5.0 only). */
  properties: Properties;
}

export interface ConnectPacket {
  type: typeof PacketType.CONNECT;
  /** `MQTT` for 3.1.1 and 5.0, `MQIsdp` for 3.1. */
  protocolName: string;
  protocolVersion: ProtocolVersion;
  /** Clean Session (3.x) / Clean Start (5.0). */
  clean: boolean;
  keepAlive: number;
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  will: Will | undefined;
  properties: Properties;
}

export interface ConnackPacket {
  type: typeof PacketType.CONNACK;
  sessionPresent: boolean;
  /** 5.0 reason code, or the 3.1.1 return code (0-5). */
  reasonCode: number;
  properties: Properties;
}

export interface PublishPacket {
  type: typeof PacketType.PUBLISH;
  dup: boolean;
  qos: QoS;
  retain: boolean;
  /** Topic name; may be empty in 5.0 when a topic alias is present. */
  topic: string;
  /** 0 for QoS 0 (no packet identifier on the wire). */
  packetId: number;
  payload: Buffer;
  properties: Properties;
}

/** PUBACK, PUBREC, PUBREL and PUBCOMP share one shape. */
export interface AckPacket<T extends PacketType> {
  type: T;
  packetId: number;
  /** 5.0 reason code; 0 (success) for 3.x. */
  reasonCode: number;
  properties: Properties;
}
export type PubackPacket = AckPacket<typeof PacketType.PUBACK>;
export type PubrecPacket = AckPacket<typeof PacketType.PUBREC>;
export type PubrelPacket = AckPacket<typeof PacketType.PUBREL>;
export type PubcompPacket = AckPacket<typeof PacketType.PUBCOMP>;

/** One topic filter of a SUBSCRIBE with its subscription options. */
export interface SubscriptionRequest {
  topic: string;
  qos: QoS;
  /** 5.0 only; false for 3.x. */
  noLocal: boolean;
  /** 5.0 only; false for 3.x. */
  retainAsPublished: boolean;
  /** 5.0 only: 0 send retained, 1 only for new subscriptions, 2 never. 0 for 3.x. */
  retainHandling: 0 | 1 | 2;
}

export interface SubscribePacket {
  type: typeof PacketType.SUBSCRIBE;
  packetId: number;
  subscriptions: SubscriptionRequest[];
  properties: Properties;
}

export interface SubackPacket {
  type: typeof PacketType.SUBACK;
  packetId: number;
  /** One per requested filter: granted QoS (0-2) or a failure code (0x80 and up). */
  reasonCodes: number[];
  properties: Properties;
}

export interface UnsubscribePacket {
  type: typeof PacketType.UNSUBSCRIBE;
  packetId: number;
  topics: string[];
  properties: Properties;
}

export interface UnsubackPacket {
  type: typeof PacketType.UNSUBACK;
  packetId: number;
  /** 5.0: one per filter. 3.x: always empty (no payload on the wire). */
  reasonCodes: number[];
  properties: Properties;
}

export interface PingreqPacket {
  type: typeof PacketType.PINGREQ;
}

export interface PingrespPacket {
  type: typeof PacketType.PINGRESP;
}

export interface DisconnectPacket {
  type: typeof PacketType.DISCONNECT;
  /** 5.0 reason code; 0 for 3.x. */
  reasonCode: number;
  properties: Properties;
}

export interface AuthPacket {
  type: typeof PacketType.AUTH;
  reasonCode: number;
  properties: Properties;
}

/** Any MQTT control packet. */
export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | PubackPacket
  | PubrecPacket
  | PubrelPacket
  | PubcompPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | UnsubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket
  | AuthPacket;
