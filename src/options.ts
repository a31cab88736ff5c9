// Broker options: capabilities (what the broker offers and enforces), compatibilities, and their defaults.
import type { QoS } from './codec/types.js';
import { SwiftletError } from './errors.js';
import type { ClusterOptions } from './cluster/redis-bus.js';

/** What the broker offers clients and the limits it enforces; names follow the MQTT 5 properties. */
export interface Capabilities {
  /** Maximum simultaneous clients; 0 = unlimited. Default 0. */
  maximumClients: number;
  /** Cap on a client's requested Session Expiry Interval, seconds. Default 0xFFFFFFFF (never expires). */
  maximumSessionExpiryInterval: number;
  /** Cap on Message Expiry Interval, seconds; 0 = no cap. Default 0. */
  maximumMessageExpiryInterval: number;
  /** Receive Maximum the broker advertises: unacknowledged QoS 1/2 PUBLISH a client may send. Default 1024. */
  receiveMaximum: number;
  /** Most unacknowledged QoS 1/2 PUBLISH the broker keeps in flight to one client (also bounded by the client's Receive Maximum). Default 1024. */
  maximumInflight: number;
  /** Topic Alias Maximum the broker accepts from clients; 0 disables inbound aliases. Default 1024. */
  topicAliasMaximum: number;
  /** Largest packet the broker accepts, bytes (fixed header included); 0 = protocol maximum. Default 0. */
  maximumPacketSize: number;
  /** Highest QoS the broker supports. Default 2. */
  maximumQoS: QoS;
  /** Whether retained messages are supported. Default true. */
  retainAvailable: boolean;
  /** Whether wildcard filters are allowed. Default true. */
  wildcardSubscriptionAvailable: boolean;
  /** Whether subscription identifiers are supported. Default true. */
  subscriptionIdentifierAvailable: boolean;
  /** Whether shared subscriptions are supported. Default true. */
  sharedSubscriptionAvailable: boolean;
  /** Lowest protocol level accepted (3 = 3.1, 4 = 3.1.1, 5 = 5.0). Default 3. */
  minimumProtocolVersion: 3 | 4 | 5;
  /** Largest Keep Alive accepted, seconds; 0 = no limit. 5.0 clients get Server Keep Alive; 3.x clients asking more are refused. Default 0. */
  maximumKeepAlive: number;
  /** Time a new connection has to send CONNECT, milliseconds. Default 10000. */
  connectTimeout: number;
  /** Longest client identifier accepted, characters. Default 65535. */
  maximumClientIdLength: number;
  /** Most messages queued for one session (offline, or waiting for the inflight window). Default 1000. */
  maximumQueuedMessages: number;
  /** Queue QoS 0 messages for offline persistent sessions. Default false. */
  queueQoS0Offline: boolean;
  /** Bytes buffered on a socket beyond which it counts as congested (QoS 0 dropped, QoS 1/2 held). Default 1 MiB. */
  outboundHighWaterMark: number;
  /**
   * Bytes buffered on the sockets of all clients together (counting only sockets that push back) beyond which every
   * socket that pushes back counts as congested, whatever its own buffer; 0 = no total cap. Default 256 MiB.
   */
  maximumOutboundBytes: number;
  /**
   * Milliseconds a connection's buffered output may stay without shrinking (the client reads nothing) before the
   * connection is closed; 0 = never. Default 60000.
   */
  outboundStallTimeout: number;
  /**
   * Cap on retained messages kept ($SYS excluded); 0 = unlimited. A new retained topic past it is refused: 5.0 QoS 1/2
   * publishers get 0x97 and the message is not routed; QoS 0 and 3.x messages are routed but not retained. Default 0.
   */
  maximumRetainedMessages: number;
  /** Cap on the payload bytes of the retained messages kept ($SYS excluded), refused as maximumRetainedMessages is; 0 = unlimited. Default 0. */
  maximumRetainedBytes: number;
  /** Longest topic name (PUBLISH, will) or filter (SUBSCRIBE) accepted, characters. Default 65535 (the protocol's limit). */
  maximumTopicLength: number;
  /** Most levels ('/'-separated parts) of a topic name or filter; 0 = unlimited. Default 0. */
  maximumTopicLevels: number;
  /** Most subscriptions one session holds; a new filter past it gets SUBACK 0x97 (3.x: 0x80). 0 = unlimited. Default 0. */
  maximumSubscriptionsPerClient: number;
  /** Cap on the payload bytes queued for one session (offline, or waiting for the inflight window); 0 = unlimited. Default 0. */
  maximumQueuedBytes: number;
  /** Most User Properties in one packet (a will's count with its CONNECT's); more are refused with 0x97. 0 = unlimited. Default 0. */
  maximumUserProperties: number;
  /**
   * Process memory (resident set size, bytes) above which new connections are refused with CONNACK 0x89 Server busy
   * (3.x: return code 3); sampled every housekeeping sweep. 0 = off. Default 0.
   */
  memoryHighWaterMark: number;
}

/** Switches for interoperating with clients that expect non-standard behaviour. */
export interface Compatibilities {
  /** Answer 0x80 Unspecified error instead of 0x87 Not authorized, hiding the reason. Default false. */
  obscureNotAuthorized: boolean;
  /** Close 5.0 connections without sending a server DISCONNECT first. Default false. */
  passiveClientDisconnect: boolean;
  /** Send Response Information even when the client did not request it. Default false. */
  alwaysReturnResponseInfo: boolean;
  /** Leave the user properties of a PUBLISH off its acknowledgements (they never are copied; kept for parity). Default true. */
  noInheritedPropertiesOnAck: boolean;
}

/** Options of `new Broker(options)`. */
export interface BrokerOptions {
  /** Broker node id, used in logs and cluster envelopes. Default a random id. */
  id?: string;
  capabilities?: Partial<Capabilities>;
  compatibilities?: Partial<Compatibilities>;
  /** A pino-compatible logger; default silent. */
  logger?: BrokerLogger;
  /** Prefix for Response Information when clients request it; '' disables. Default `response/`. */
  responseInformationPrefix?: string;
  /** How one member of a shared subscription group is picked. Default `round-robin`. */
  sharedSubscriptionStrategy?: 'round-robin' | 'random' | 'hash';
  /** Seconds between $SYS publications; 0 turns $SYS off. Default 10. */
  sysInterval?: number;
  /** Interval of the housekeeping sweep (keep alive, connect timeout, expiry), milliseconds. Default 1000. */
  sweepInterval?: number;
  /**
   * The broker's clock, ms since the epoch (default `Date.now`): session and message expiry, will delays, keep alive
   * and connect timeouts are measured with it. A test can supply a clock it advances, instead of waiting.
   */
  clock?: () => number;
  /** Cluster mode: join the other brokers on the same Redis (see docs/clustering.md). Off by default. */
  cluster?: ClusterOptions;
  /**
   * Cap on the bytes of messages a durable Persistence stores (queued and in-flight messages of persistent sessions,
   * retained messages; counted as payload + topic + 64): past it, publishes that would need storing are refused with
   * 0x97 Quota exceeded (5.0). 0 = no cap. Default 0.
   */
  maximumStoredBytes?: number;
}

/** The subset of a pino logger the broker uses. */
export interface BrokerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Default capabilities. */
export const DEFAULT_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  maximumClients: 0,
  maximumSessionExpiryInterval: 0xffffffff,
  maximumMessageExpiryInterval: 0,
  receiveMaximum: 1024,
  maximumInflight: 1024,
  topicAliasMaximum: 1024,
  maximumPacketSize: 0,
  maximumQoS: 2,
  retainAvailable: true,
  wildcardSubscriptionAvailable: true,
  subscriptionIdentifierAvailable: true,
  sharedSubscriptionAvailable: true,
  minimumProtocolVersion: 3,
  maximumKeepAlive: 0,
  connectTimeout: 10_000,
  maximumClientIdLength: 65535,
  maximumQueuedMessages: 1000,
  queueQoS0Offline: false,
  outboundHighWaterMark: 1024 * 1024,
  maximumOutboundBytes: 256 * 1024 * 1024,
  outboundStallTimeout: 60_000,
  maximumRetainedMessages: 0,
  maximumRetainedBytes: 0,
  maximumTopicLength: 65535,
  maximumTopicLevels: 0,
  maximumSubscriptionsPerClient: 0,
  maximumQueuedBytes: 0,
  maximumUserProperties: 0,
  memoryHighWaterMark: 0,
});

/**
 * Capabilities a running broker can change (Broker.updateCapabilities): each is read when a client connects or when
 * a message is queued or stored, and none was announced to connected clients in their CONNACK.
 */
export const LIVE_CAPABILITIES = Object.freeze([
  'maximumClients',
  'maximumSessionExpiryInterval',
  'maximumMessageExpiryInterval',
  'minimumProtocolVersion',
  'maximumKeepAlive',
  'connectTimeout',
  'maximumClientIdLength',
  'maximumQueuedMessages',
  'queueQoS0Offline',
  'outboundHighWaterMark',
  'maximumOutboundBytes',
  'outboundStallTimeout',
  'maximumRetainedMessages',
  'maximumTopicLength',
  'maximumTopicLevels',
  'maximumSubscriptionsPerClient',
  'maximumQueuedBytes',
  'maximumUserProperties',
  'memoryHighWaterMark',
] as const satisfies readonly (keyof Capabilities)[]);

/** A capability a running broker can change. */
export type LiveCapability = (typeof LIVE_CAPABILITIES)[number];

/** Default compatibilities. */
export const DEFAULT_COMPATIBILITIES: Readonly<Compatibilities> = Object.freeze({
  obscureNotAuthorized: false,
  passiveClientDisconnect: false,
  alwaysReturnResponseInfo: false,
  noInheritedPropertiesOnAck: true,
});

/** The logger used when none is given. */
export const SILENT_LOGGER: BrokerLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function fail(key: string, expected: string, found: unknown): never {
  throw new SwiftletError('SWIFTLET_ERR_OPTIONS_INVALID', `capabilities.${key}: expected ${expected}, found ${JSON.stringify(found)}`);
}

function checkInt(c: Capabilities, key: keyof Capabilities, min: number, max: number): void {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(key, `an integer in ${min}..${max}`, v);
}

/** Merges capabilities with the defaults and validates them; throws SwiftletError naming the bad key. */
export function resolveCapabilities(given: Partial<Capabilities> | undefined): Capabilities {
  const c: Capabilities = { ...DEFAULT_CAPABILITIES, ...given };
  checkInt(c, 'maximumClients', 0, 2 ** 31);
  checkInt(c, 'maximumSessionExpiryInterval', 0, 0xffffffff);
  checkInt(c, 'maximumMessageExpiryInterval', 0, 0xffffffff);
  checkInt(c, 'receiveMaximum', 1, 65535);
  checkInt(c, 'maximumInflight', 1, 65535);
  checkInt(c, 'topicAliasMaximum', 0, 65535);
  checkInt(c, 'maximumPacketSize', 0, 268435460);
  if (c.maximumPacketSize !== 0 && c.maximumPacketSize < 16) fail('maximumPacketSize', '0 or at least 16', c.maximumPacketSize);
  if (c.maximumQoS !== 0 && c.maximumQoS !== 1 && c.maximumQoS !== 2) fail('maximumQoS', '0, 1 or 2', c.maximumQoS);
  if (c.minimumProtocolVersion !== 3 && c.minimumProtocolVersion !== 4 && c.minimumProtocolVersion !== 5) {
    fail('minimumProtocolVersion', '3, 4 or 5', c.minimumProtocolVersion);
  }
  checkInt(c, 'maximumKeepAlive', 0, 65535);
  checkInt(c, 'connectTimeout', 1, 3_600_000);
  checkInt(c, 'maximumClientIdLength', 1, 65535);
  checkInt(c, 'maximumQueuedMessages', 0, 100_000_000);
  checkInt(c, 'outboundHighWaterMark', 1024, 2 ** 31);
  checkInt(c, 'maximumOutboundBytes', 0, Number.MAX_SAFE_INTEGER);
  checkInt(c, 'outboundStallTimeout', 0, 2 ** 31);
  checkInt(c, 'maximumRetainedMessages', 0, 2 ** 31);
  checkInt(c, 'maximumRetainedBytes', 0, Number.MAX_SAFE_INTEGER);
  checkInt(c, 'maximumTopicLength', 1, 65535);
  checkInt(c, 'maximumTopicLevels', 0, 65535);
  checkInt(c, 'maximumSubscriptionsPerClient', 0, 2 ** 31);
  checkInt(c, 'maximumQueuedBytes', 0, Number.MAX_SAFE_INTEGER);
  checkInt(c, 'maximumUserProperties', 0, 2 ** 31);
  checkInt(c, 'memoryHighWaterMark', 0, Number.MAX_SAFE_INTEGER);
  for (const k of ['retainAvailable', 'wildcardSubscriptionAvailable', 'subscriptionIdentifierAvailable', 'sharedSubscriptionAvailable', 'queueQoS0Offline'] as const) {
    if (typeof c[k] !== 'boolean') fail(k, 'a boolean', c[k]);
  }
  return c;
}
