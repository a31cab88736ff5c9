// The cluster Bus seam: how brokers on several machines act as one. Single-node brokers run NoopBus.
import type { Message } from '../routing/message.js';

/**
 * Which of a node's subscribers a message is for. A local publish on a single node reaches all of them (`FULL`);
 * in a cluster each shared group's message goes to one node, so a node delivers to the groups it was given.
 */
export interface RouteScope {
  /** Deliver to the node's non-shared subscriptions. */
  readonly plain: boolean;
  /** Shared groups (`groupKey()`) this node delivers to; null = every group it has. */
  readonly groups: ReadonlySet<string> | null;
  /** Shared groups another node serves for this message; null = none. */
  readonly except: ReadonlySet<string> | null;
  /** Plain subscriptions only of these clients (sessions adopted from a dead node); null = all. */
  readonly only: ReadonlySet<string> | null;
}

/** Everything: plain subscriptions and every shared group. */
export const FULL_SCOPE: RouteScope = { plain: true, groups: null, except: null, only: null };

/** The key of a shared group across the cluster: its name and its filter. */
export function groupKey(group: string, filter: string): string {
  return `${group}\u0000${filter}`;
}

/** What a node receives from the bus. */
export interface BusReceiver {
  /** A message published on another node, for the subscribers `scope` names. */
  message(message: Message, scope: RouteScope): void;
  /** Another node stored (payload non-empty) or cleared (empty payload) a retained message. */
  retained(message: Message): void;
  /** A QoS 1/2 message left for another node: the publisher's acknowledgement waits until `written` has succeeded. */
  sent(written: Promise<unknown>): void;
  /** Resolves once what routing has recorded so far is durable (inbox entries are acknowledged after it). */
  durable(): Promise<void>;
  /** Sessions this node now owns (its own at start, a dead node's): load them from the shared store. */
  adopt(clientIds: readonly string[]): Promise<void>;
  /**
   * Another node takes over this session: close its connection (DISCONNECT 0x8E), make its state durable and let go
   * of it here. Rejects when its state could not be stored.
   */
  handOver(clientId: string): Promise<void>;
}

/** Where a client's session lives in a cluster. */
export type Claim = { readonly claimed: true; readonly previous: string | null } | { readonly claimed: false; readonly owner: string; readonly alive: boolean };

/** Which node owns each session, shared by the nodes of a cluster: no two nodes ever own one session. */
export interface SessionOwnership {
  /** This node's id. */
  readonly nodeId: string;
  /** False while the shared store is unreachable: no session can change owner then. */
  readonly available: boolean;
  /** Makes this node the owner of `clientId` unless another node owns it (then says which, and if it is alive). */
  claim(clientId: string): Promise<Claim>;
  /** Asks the live owner to hand the session over; true once it has (this node then owns it), false on timeout. */
  requestHandover(owner: string, clientId: string): Promise<boolean>;
  /** Takes over a dead node's sessions, or waits while another node does. */
  adoptFrom(deadNode: string): Promise<void>;
  /** This node ended the session: nobody owns it any more. */
  release(clientId: string): void;
}

/** Connects a broker to its peers. */
export interface Bus {
  /** False for the no-op bus: the router skips it entirely on the hot path. */
  readonly active: boolean;
  /** Session ownership across nodes; null on a single node. */
  readonly sessions: SessionOwnership | null;
  start(nodeId: string, receiver: BusReceiver): Promise<void>;
  /** A local subscription filter (`$share/group/filter` for shared ones) gained its first or lost its last subscriber. */
  routeAdded(filter: string): void;
  routeRemoved(filter: string): void;
  /**
   * Settles once everything handed to the bus so far has reached the other nodes (routes, messages, retained): a
   * SUBACK waits for it (a message published anywhere after it reaches the subscription), and so do PUBACK and PUBREC
   * (a message acknowledged to its publisher is out of the publishing node). Null when nothing is on its way.
   */
  written(): Promise<void> | null;
  /** Sends a local publish to the nodes that have subscribers for it; returns what this node delivers itself. */
  forward(message: Message): RouteScope;
  /** Tells the other nodes about a retained message stored or cleared here. */
  retained(message: Message): void;
  stop(): Promise<void>;
}

/** The single-node bus: nothing leaves the process. */
export class NoopBus implements Bus {
  readonly active = false;
  readonly sessions = null;
  start(): Promise<void> {
    return Promise.resolve();
  }
  routeAdded(): void {}
  routeRemoved(): void {}
  written(): null {
    return null;
  }
  forward(): RouteScope {
    return FULL_SCOPE;
  }
  retained(): void {}
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
