// Session state that outlives a connection: subscriptions, inflight messages both ways, the offline queue.
import type { Properties, ProtocolVersion, QoS, Will } from '../codec/types.js';
import type { Connection } from '../connection/connection.js';
import type { ClientInfo, ClientLimits } from '../hooks/hook.js';
import { DeliveryQueue, InflightWindow } from './delivery-queue.js';
import { SubscriptionMap } from './subscription-map.js';
import type { InflightCounter, Outgoing } from './delivery-queue.js';

/** A will held by the session: sent on abnormal close, after its delay. */
export interface PendingWill {
  readonly will: Will;
  /** Will Delay Interval in seconds (5.0), 0 for 3.x. */
  readonly delay: number;
}

/** Shared empty set handed out before a session holds an inbound QoS 2 id; it refuses writes. */
class EmptySet<T> extends Set<T> {
  override add(): this {
    throw new Error('internal: write to a shared empty set');
  }
}
const NO_IDS = new EmptySet<number>();

/** Receives messages of an inline subscription. */
export type InlineHandler = (message: InlineMessage) => void;

/** A message as the embedding program's subscription handler sees it. */
export interface InlineMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
  /** Client id of the publisher, null for the broker and the inline client. */
  readonly publisher: string | null;
}

/** True when a session offline since `disconnectedAt` (ms) has outlived its Session Expiry Interval (s) at `now`; 0xFFFFFFFF never expires. */
export function sessionExpired(expiryInterval: number, disconnectedAt: number, now: number): boolean {
  return expiryInterval !== 0xffffffff && disconnectedAt + expiryInterval * 1000 <= now;
}

/** The state of one client session, kept across connections while it has not expired. */
export class Session {
  readonly clientId: string;
  /** The connection currently attached, or null while offline. */
  connection: Connection | null = null;
  protocolVersion: ProtocolVersion;
  /** The client as last connected, for hooks fired while offline (delayed will, expiry). */
  lastClient: ClientInfo | null = null;
  readonly subscriptions = new SubscriptionMap();
  /** Outbound QoS 1/2 messages awaiting acknowledgement, in send order. */
  readonly inflight: InflightWindow;
  /** Deliveries waiting for the client or for room in the in-flight window. */
  readonly queue = new DeliveryQueue();
  // Created on first use: most sessions never receive QoS 2, and idle clients are many.
  #inboundQoS2: Set<number> | null = null;

  /** Packet ids of inbound QoS 2 messages received and not yet released [MQTT-4.3.3-10]: duplicates are not re-routed. Add with holdInboundQoS2(). */
  get inboundQoS2(): ReadonlySet<number> & { delete(id: number): boolean } {
    return this.#inboundQoS2 ?? NO_IDS;
  }

  /** Holds an inbound QoS 2 packet id until its PUBREL. */
  holdInboundQoS2(packetId: number): void {
    (this.#inboundQoS2 ??= new Set()).add(packetId);
  }

  /** Session Expiry Interval in seconds (0xFFFFFFFF = never). */
  expiryInterval = 0;
  /** ms since epoch when the session went offline; 0 while connected. */
  disconnectedAt = 0;
  /** The will of the attached connection. */
  will: PendingWill | null = null;
  /** ms since epoch at which a delayed will is due, 0 when none is waiting. */
  willDueAt = 0;
  /** For inline (in-process) subscriptions: called instead of writing to a connection. */
  inlineHandler: InlineHandler | null = null;
  /** True while durable storage holds a record of this session. */
  stored = false;
  /** Limits of the client's last connection that replace the broker's (queue bounds, subscriptions); null = none. */
  limits: ClientLimits | null = null;
  /** Messages dropped for this session (queue full, expired, too large). */
  dropped = 0;
  #nextPacketId = 1;

  // The read ACL cache (routing/read-acl.ts): answers for readAclClient under hook generation readAclGeneration.
  readAcl: Map<string, boolean | Promise<boolean>> | null = null;
  readAclClient: ClientInfo | null = null;
  readAclGeneration = -1;
  /** Deliveries waiting behind a read check a hook answers asynchronously, in order; null when none. */
  aclWaiting: Outgoing[] | null = null;

  // Routing scratch, valid only inside one routing pass (epoch-tagged, so no Map per publish).
  routeEpoch = 0;
  routeQoS: QoS = 0;
  routeRetainAsPublished = false;
  routeSubscriptionIds: number[] | undefined = undefined;

  constructor(clientId: string, protocolVersion: ProtocolVersion, counter: InflightCounter) {
    this.clientId = clientId;
    this.protocolVersion = protocolVersion;
    this.inflight = new InflightWindow(counter);
  }

  /**
   * Allocates an unused non-zero packet id [MQTT-2.2.1-4]; 0 when all 65535 are in use.
   * Inbound and outbound ids are separate spaces, so only the outbound inflight map is consulted.
   */
  allocatePacketId(): number {
    if (this.inflight.size >= 65535) return 0;
    let id = this.#nextPacketId;
    while (this.inflight.has(id)) id = id === 65535 ? 1 : id + 1;
    this.#nextPacketId = id === 65535 ? 1 : id + 1;
    return id;
  }
}
