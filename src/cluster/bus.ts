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
}

/** Everything: plain subscriptions and every shared group. */
export const FULL_SCOPE: RouteScope = { plain: true, groups: null, except: null };

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
}

/** Connects a broker to its peers. */
export interface Bus {
  /** False for the no-op bus: the router skips it entirely on the hot path. */
  readonly active: boolean;
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
