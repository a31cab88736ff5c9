// The Hook interface: every optional method is one broker event; a hook implements only what it needs.
import type { ConnectPacket, Packet, ProtocolVersion, PublishPacket, SubscriptionRequest, Will } from '../codec/types.js';
import type { ConnectionMeta, PeerCertificateIdentity } from '../listeners/listener.js';

/** A security answer: allow, deny, or let the next hook decide (all 'defer' means deny). */
export type Decision = 'allow' | 'deny' | 'defer';

/** A value or a Promise of it; runners stay synchronous unless a hook returns a thenable. */
export type MaybePromise<T> = T | Promise<T>;

/** Returned by a transform hook to drop the value silently (no reason code is sent). */
export const REJECT: unique symbol = Symbol('swiftlet.hook.reject');

/** Options of a HookRejection. */
export interface HookRejectionOptions {
  /** Close the connection (DISCONNECT with the reason code for 5.0, plain close for 3.x). Default false. */
  disconnect?: boolean;
  /** Server Reference sent with 0x9C (use another server) or 0x9D (server moved). */
  serverReference?: string;
}

/** Thrown by a transform hook to refuse a packet with an MQTT reason code. */
export class HookRejection extends Error {
  /** The MQTT 5 reason code the broker answers with. */
  readonly reasonCode: number;
  /** True when the broker must close the connection after answering. */
  readonly disconnect: boolean;
  /** Server Reference property for 0x9C / 0x9D answers. */
  readonly serverReference: string | undefined;
  /** Stable error code. */
  readonly code = 'SWIFTLET_ERR_HOOK_REJECTED' as const;

  constructor(reasonCode: number, message?: string, options?: HookRejectionOptions) {
    super(message ?? `rejected by hook (reason code 0x${reasonCode.toString(16)})`);
    this.name = 'HookRejection';
    this.reasonCode = reasonCode;
    this.disconnect = options?.disconnect ?? false;
    this.serverReference = options?.serverReference;
  }
}

/** What hooks know about a connected (or connecting) client. */
export interface ClientInfo {
  /** Client identifier (assigned by the broker when the client sent an empty one). */
  readonly id: string;
  /** Authenticated user name; may be overridden by an authenticate hook. */
  readonly username: string | undefined;
  readonly protocolVersion: ProtocolVersion;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly listenerId: string;
  readonly transport: string;
  readonly certificate: PeerCertificateIdentity | undefined;
  /** Milliseconds since the epoch when CONNECT was accepted. */
  readonly connectedAt: number;
  /** Keep alive in seconds as granted. */
  readonly keepAlive: number;
  /** Clean Session (3.x) / Clean Start (5.0). */
  readonly clean: boolean;
  /** True for the embedding program's inline client and for a bridge's in-process connection to the broker. */
  readonly inline: boolean;
  /** The limits an `authenticate` hook (or a ledger user) set for this client alone; absent when none. */
  readonly limits?: ClientLimits;
}

/**
 * Limits for one client that replace the broker's (both higher and lower are allowed), returned by `authenticate`
 * or set on a ledger user. Each absent key keeps the broker-wide value.
 */
export interface ClientLimits {
  /** Receive Maximum advertised to this client: its unacknowledged inbound QoS 2 PUBLISH; 1..65535. */
  receiveMaximum?: number;
  /** Most QoS 1/2 PUBLISH in flight to this client (its own Receive Maximum still lowers it); 1..65535. */
  maximumInflight?: number;
  /** Bound of this client's session queue, messages; 0..100000000. */
  maximumQueuedMessages?: number;
  /** Bound of this client's session queue, payload bytes; 0 = unlimited. */
  maximumQueuedBytes?: number;
  /** Most subscriptions this client's session holds; 0 = unlimited. */
  maximumSubscriptionsPerClient?: number;
  /** PUBLISH packets per second this client may send (a token bucket holding one second); over it refused with 0x97. */
  publishPerSecond?: number;
  /** Payload bytes per second this client may publish (a token bucket holding one second); over it refused with 0x97. */
  publishBytesPerSecond?: number;
}

/** The credentials of a CONNECT, handed to `authenticate`. */
export interface ConnectAuth {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  readonly authenticationMethod: string | undefined;
  readonly authenticationData: Buffer | undefined;
  readonly meta: ConnectionMeta;
}

/** A detailed authentication answer. */
export interface AuthResult {
  decision: Decision;
  /** CONNACK reason code on deny (default 0x86 bad user name or password; 0x87, 0x8A, 0x9C, 0x9D, ...). */
  reasonCode?: number;
  reasonString?: string;
  /** Server Reference, used with 0x9C (use another server) or 0x9D (server moved). */
  serverReference?: string;
  /** Identity override on allow, e.g. the user name taken from a certificate. */
  username?: string;
  /** Limits for this client on allow, replacing the broker's (see ClientLimits); checked at CONNECT, a bad value refuses with 0x80. */
  limits?: ClientLimits;
}

/** What an ACL check is about: publishing to a topic, subscribing to a filter, or receiving a message. */
export type AclAccess = 'publish' | 'subscribe' | 'read';

/** One step of MQTT 5 enhanced authentication (CONNECT or AUTH). */
export interface EnhancedAuthStep {
  /** Authentication Method property. */
  readonly method: string;
  /** Authentication Data property of this step. */
  readonly data: Buffer | undefined;
  /** True for re-authentication (AUTH 0x19 after the connection is up). */
  readonly reauthenticate: boolean;
  /** Per-connection scratch space for multi-step methods; cleared when a new exchange starts. */
  readonly state: Map<string, unknown>;
}

/** The answer to one enhanced authentication step. */
export type EnhancedAuthResult =
  | 'defer'
  | { decision: 'continue'; data?: Buffer }
  | { decision: 'allow'; data?: Buffer; username?: string; limits?: ClientLimits }
  | { decision: 'deny'; reasonCode?: number; reasonString?: string };

/** Why a message was not delivered. */
export type DropReason =
  | 'queue-full'
  | 'congested'
  | 'offline-queue-full'
  | 'expired'
  | 'packet-too-large'
  | 'no-subscribers'
  | 'inflight-full'
  | 'client-gone'
  | 'acl-denied'
  | 'rejected-by-hook'
  | 'qos-not-granted'
  | 'shutdown'
  | 'storage-full';

/** How a connection ended. */
export interface DisconnectInfo {
  /** The reason code sent or received (0 = normal). */
  readonly reasonCode: number;
  /** True when the broker closed the connection. */
  readonly byServer: boolean;
  /** The error that caused the close, if any. */
  readonly error: Error | undefined;
  /** True when the will message was (or will be, after its delay) published. */
  readonly willSent: boolean;
}

/** Why a session ended for good (see `onSessionTerminated`). */
export type SessionEndReason = 'expired' | 'clean-start' | 'taken-over' | 'removed';

/** The minimal logger hooks get; a pino logger satisfies it. */
export interface HookLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Given to `init`. */
export interface HookContext {
  readonly logger: HookLogger;
  readonly brokerId: string;
  /**
   * Closes a connected client's connection (5.0: DISCONNECT with `reasonCode`); false when it is not connected.
   * The Broker always provides it; it is optional so hand-made contexts (tests) may leave it out.
   */
  readonly disconnectClient?: (clientId: string, reasonCode: number) => boolean;
  /**
   * Drops every cached `checkAcl(…, 'read')` answer. Call it when the answers of your `checkAcl` may have changed
   * (new rules loaded); adding or removing a hook does it by itself. The Broker always provides it.
   */
  readonly invalidateAclCache?: () => void;
}

/** One member of a shared subscription group, as `onSelectSubscribers` sees it. */
export interface SharedGroupMember {
  readonly clientId: string;
  /** True when the member can receive the message now (a connected client or the inline client). */
  readonly connected: boolean;
}

/** One shared subscription group matching a message: exactly one member (or none) receives it. */
export interface SharedGroupChoice {
  /** The share name of `$share/{group}/{filter}`. */
  readonly group: string;
  /** The topic filter of the group. */
  readonly filter: string;
  /** The members, in the order they subscribed. */
  readonly members: readonly SharedGroupMember[];
  /**
   * The client id of the member that receives the message: the built-in strategy's pick (a connected member whose
   * read access is not denied, when there is one). Set it to another member's id to pick that one, or to
   * undefined to send the message to no member of this group.
   */
  chosen: string | undefined;
}

/** The receivers of one message, handed to `onSelectSubscribers`. */
export interface SubscriberSelection {
  /** Client ids of the sessions with a matching non-shared subscription (once each); remove an id to skip it. */
  clients: string[];
  /** One entry per matching shared subscription group. */
  shared: SharedGroupChoice[];
}

/**
 * A broker extension. Three kinds of events:
 * decide (first non-'defer' answer wins, all 'defer' = deny),
 * transform (the value threads through hooks in order; undefined = unchanged, REJECT = drop,
 * throw HookRejection = refuse with a reason code), and notify (all run, never awaited, errors logged).
 */
export interface Hook {
  /** Unique id within a broker, used in logs. */
  readonly id: string;

  /** Called once (awaited, in registration order) when the broker starts or when the hook is added to a running broker. */
  init?(ctx: HookContext): MaybePromise<void>;
  /** Called once (awaited, in reverse order) when the broker stops. */
  stop?(): MaybePromise<void>;

  /** Decide on a CONNECT's credentials, after onConnect; the first non-'defer' answer wins. */
  authenticate?(client: ClientInfo, auth: ConnectAuth): MaybePromise<Decision | AuthResult>;
  /** Decide whether a client may publish to a topic, subscribe to a filter, or receive (read) a message. */
  checkAcl?(client: ClientInfo, topic: string, access: AclAccess): MaybePromise<Decision>;
  /** Answer one step of MQTT 5 enhanced authentication (CONNECT with a method, AUTH packets, re-authentication). */
  enhancedAuth?(client: ClientInfo, step: EnhancedAuthStep): MaybePromise<EnhancedAuthResult>;

  /** Fires when a listener accepts a stream, before any byte is read; false closes it at once. */
  onAccept?(meta: ConnectionMeta): MaybePromise<boolean | undefined>;
  /** Fires on a valid CONNECT, before authentication; may return a modified packet or throw HookRejection (CONNACK code). */
  onConnect?(client: ClientInfo, packet: ConnectPacket): MaybePromise<ConnectPacket | undefined>;
  /** Fires for every decoded inbound packet before it is handled (sync); may replace it or REJECT (ignore) it. */
  onPacketRead?(client: ClientInfo, packet: Packet): Packet | typeof REJECT | undefined;
  /** Fires just before an outbound packet is encoded (sync); may replace it. */
  onPacketEncode?(client: ClientInfo, packet: Packet): Packet | undefined;
  /** Fires on an inbound PUBLISH after the ACL check (client null for the inline client or a cluster peer); may modify or REJECT it. */
  onPublish?(client: ClientInfo | null, packet: PublishPacket): MaybePromise<PublishPacket | typeof REJECT | undefined>;
  /** Fires on a SUBSCRIBE before the ACL checks; may change the requested subscriptions. */
  onSubscribe?(client: ClientInfo, subscriptions: SubscriptionRequest[]): MaybePromise<SubscriptionRequest[] | undefined>;
  /** Fires on an UNSUBSCRIBE; may change the list of filters. */
  onUnsubscribe?(client: ClientInfo, topics: string[]): MaybePromise<string[] | undefined>;
  /** Fires when a will is about to be published; may modify it or REJECT it. */
  onWill?(client: ClientInfo, will: Will): MaybePromise<Will | typeof REJECT | undefined>;
  /**
   * Fires once the receivers of a message are known (sync): may drop receivers and choose the member of each
   * shared group (a custom shared-subscription strategy). Ids that were not offered are ignored.
   */
  onSelectSubscribers?(packet: PublishPacket, selection: SubscriberSelection): SubscriberSelection | undefined;

  /** Notify: the broker is serving. */
  onStarted?(): void;
  /** Notify: the broker has stopped. */
  onStopped?(): void;
  /** Notify: CONNACK (success) was sent. */
  onConnected?(client: ClientInfo): void;
  /** Notify: a new session was created for the client (before CONNACK). */
  onSessionCreated?(client: ClientInfo): void;
  /** Notify: an existing session was taken up by the client (before CONNACK). */
  onSessionResumed?(client: ClientInfo): void;
  /** Notify: an offline session reached its expiry interval and was removed. */
  onSessionExpired?(clientId: string): void;
  /** Notify: a session ended for good for any reason (expired, discarded by clean start, taken over, removed). */
  onSessionTerminated?(clientId: string, reason: SessionEndReason): void;
  /** Notify: the connection closed (after the will was handled). */
  onDisconnected?(client: ClientInfo, info: DisconnectInfo): void;
  /** Notify: SUBACK was sent; one reason code per subscription. */
  onSubscribed?(client: ClientInfo, subscriptions: SubscriptionRequest[], reasonCodes: number[]): void;
  /** Notify: UNSUBACK was sent; one reason code per filter. */
  onUnsubscribed?(client: ClientInfo, topics: string[], reasonCodes: number[]): void;
  /** Notify: a message was routed to its subscribers. */
  onPublished?(client: ClientInfo | null, packet: PublishPacket): void;
  /** Notify: a message was written to a subscriber. */
  onMessageDelivered?(client: ClientInfo, packet: PublishPacket): void;
  /** Notify: a message for a client was dropped. */
  onMessageDropped?(clientId: string, packet: PublishPacket, why: DropReason): void;
  /** Notify: a retained message was stored or replaced. */
  onRetainedStored?(packet: PublishPacket): void;
  /** Notify: a retained message was cleared by an empty retained publish. */
  onRetainedCleared?(topic: string): void;
  /** Notify: a retained message expired. */
  onRetainedExpired?(topic: string): void;
  /** Notify: a retained message was sent to a client because of a subscription. */
  onRetainedDelivered?(client: ClientInfo, packet: PublishPacket): void;
  /** Notify: a QoS 1/2 message was sent to a subscriber (inflight started). */
  onQosStarted?(client: ClientInfo, packet: PublishPacket): void;
  /** Notify: the QoS 1/2 flow of an outbound message completed (PUBACK / PUBCOMP). */
  onQosCompleted?(client: ClientInfo, packet: PublishPacket): void;
  /** Notify: an unacknowledged outbound QoS 1/2 message was abandoned: its session ended, or no other shared-group member could take it over. */
  onQosDropped?(clientId: string, packet: PublishPacket, why: DropReason): void;
  /** Notify: an inbound packet (as decoded) was handled; error is set when handling failed. */
  onPacketProcessed?(client: ClientInfo, packet: Packet, error: Error | undefined): void;
  /** Notify: an outbound packet was handed to the client's stream (bytes = its encoded size). */
  onPacketSent?(client: ClientInfo, packet: Packet, bytes: number): void;
  /** Notify: a will message was published. */
  onWillSent?(client: ClientInfo, will: Will): void;
  /** Notify: the $SYS statistics were refreshed. */
  onSysTick?(stats: Readonly<Record<string, number | string>>): void;
  /** Notify: an error occurred somewhere (transport, session, persistence, another hook). */
  onError?(error: Error, context: { clientId?: string; where: string }): void;
}

/** Every optional member of Hook, in documentation order (a test checks it lists exactly the Hook keys). */
export const HOOK_EVENTS = [
  'init',
  'stop',
  'authenticate',
  'checkAcl',
  'enhancedAuth',
  'onAccept',
  'onConnect',
  'onPacketRead',
  'onPacketEncode',
  'onPublish',
  'onSubscribe',
  'onUnsubscribe',
  'onWill',
  'onSelectSubscribers',
  'onStarted',
  'onStopped',
  'onConnected',
  'onSessionCreated',
  'onSessionResumed',
  'onSessionExpired',
  'onSessionTerminated',
  'onDisconnected',
  'onSubscribed',
  'onUnsubscribed',
  'onPublished',
  'onMessageDelivered',
  'onMessageDropped',
  'onRetainedStored',
  'onRetainedCleared',
  'onRetainedExpired',
  'onRetainedDelivered',
  'onQosStarted',
  'onQosCompleted',
  'onQosDropped',
  'onPacketProcessed',
  'onPacketSent',
  'onWillSent',
  'onSysTick',
  'onError',
] as const;

/** Name of any hook event (every optional member of Hook). */
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** The notify events: all run, never awaited, errors logged. */
export const NOTIFY_EVENTS = [
  'onStarted',
  'onStopped',
  'onConnected',
  'onSessionCreated',
  'onSessionResumed',
  'onSessionExpired',
  'onSessionTerminated',
  'onDisconnected',
  'onSubscribed',
  'onUnsubscribed',
  'onPublished',
  'onMessageDelivered',
  'onMessageDropped',
  'onRetainedStored',
  'onRetainedCleared',
  'onRetainedExpired',
  'onRetainedDelivered',
  'onQosStarted',
  'onQosCompleted',
  'onQosDropped',
  'onPacketProcessed',
  'onPacketSent',
  'onWillSent',
  'onSysTick',
  'onError',
] as const satisfies readonly HookEvent[];

/** Name of a notify event. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The function type of a hook event. */
export type HookFunction<K extends HookEvent> = NonNullable<Hook[K]>;
