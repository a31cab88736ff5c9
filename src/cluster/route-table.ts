// The cluster's route table as one node sees it: which filters it has itself (counted), which filters every other
// node has, and, per message, which nodes get it and which node serves each shared group.
import { SubscriptionTrie } from '../topics/subscription-trie.js';
import type { SharedGroup } from '../topics/subscription-trie.js';
import { parseSharedFilter, stickyHash } from '../topics/shared-filter.js';
import { groupKey } from './bus.js';
import type { RouteScope } from './bus.js';

/** Where one message goes: the other nodes (with what each delivers) and what this node delivers. */
export interface RoutePlan {
  readonly remote: Map<string, { plain: boolean; groups: string[] }>;
  readonly local: RouteScope;
}

/** Route state of one node. */
export class RouteTable {
  readonly #local = new Map<string, number>();
  readonly #remote = new SubscriptionTrie<string>();
  readonly #byNode = new Map<string, Set<string>>();
  readonly #cursors = new Map<string, number>();
  // Scratch arrays for plan(): one message is planned at a time.
  readonly #nodes: string[] = [];
  readonly #groups: SharedGroup<string>[] = [];

  /** Counts a local subscription on `filter`; true when it is the first (the cluster must learn of it). */
  addLocal(filter: string): boolean {
    const n = this.#local.get(filter) ?? 0;
    this.#local.set(filter, n + 1);
    return n === 0;
  }

  /** Uncounts a local subscription; true when it was the last. */
  removeLocal(filter: string): boolean {
    const n = this.#local.get(filter);
    if (n === undefined) return false;
    if (n <= 1) {
      this.#local.delete(filter);
      return true;
    }
    this.#local.set(filter, n - 1);
    return false;
  }

  /** Filters this node has subscribers for. */
  localFilters(): string[] {
    return [...this.#local.keys()];
  }

  /** Another node has subscribers for `filter`. */
  addRemote(node: string, filter: string): void {
    let filters = this.#byNode.get(node);
    if (filters === undefined) this.#byNode.set(node, (filters = new Set()));
    if (filters.has(filter)) return;
    filters.add(filter);
    const shared = parseSharedFilter(filter);
    if (shared === 'invalid') return;
    if (shared === null) this.#remote.add(filter, node, node);
    else this.#remote.addShared(shared.group, shared.filter, node, node);
  }

  /** Another node has no more subscribers for `filter`. */
  removeRemote(node: string, filter: string): void {
    const filters = this.#byNode.get(node);
    if (filters === undefined || !filters.delete(filter)) return;
    const shared = parseSharedFilter(filter);
    if (shared === 'invalid') return;
    if (shared === null) this.#remote.remove(filter, node);
    else this.#remote.removeShared(shared.group, shared.filter, node);
  }

  /** Replaces everything known about `node`'s filters. */
  setRemote(node: string, filters: Iterable<string>): void {
    this.dropNode(node);
    for (const f of filters) this.addRemote(node, f);
  }

  /** Forgets a node (it left or died). */
  dropNode(node: string): void {
    const filters = this.#byNode.get(node);
    if (filters === undefined) return;
    for (const f of [...filters]) this.removeRemote(node, f);
    this.#byNode.delete(node);
  }

  /** Nodes with at least one filter. */
  nodes(): string[] {
    return [...this.#byNode.keys()];
  }

  /**
   * Plans a message published on this node: every other node with a matching plain filter gets it once; each
   * shared group is served by one node among the nodes with members (this one included): in turn, or, when `sticky`
   * is given (strategy 'hash'), the node that key hashes to, so one publisher's messages stay with one node's members.
   * Returns null when no other node needs it (the common single-node-like case costs one trie match).
   */
  plan(topic: string, sticky: string | null = null): RoutePlan | null {
    const nodes = this.#nodes;
    const groups = this.#groups;
    this.#remote.match(topic, nodes, groups);
    if (nodes.length === 0 && groups.length === 0) return null;
    const remote = new Map<string, { plain: boolean; groups: string[] }>();
    const target = (node: string): { plain: boolean; groups: string[] } => {
      let t = remote.get(node);
      if (t === undefined) remote.set(node, (t = { plain: false, groups: [] }));
      return t;
    };
    for (const node of nodes) target(node).plain = true;
    let except: Set<string> | null = null;
    for (const g of groups) {
      const key = groupKey(g.group, g.filter);
      const hereToo = this.#local.has(`$share/${g.group}/${g.filter}`);
      const n = g.members.length + (hereToo ? 1 : 0);
      let pick: number;
      if (sticky !== null) {
        pick = stickyHash(sticky) % n;
      } else {
        const turn = this.#cursors.get(key) ?? 0;
        this.#cursors.set(key, (turn + 1) % n);
        pick = turn % n;
      }
      if (pick === g.members.length) continue; // this node's turn: its own router picks the member
      target(g.members[pick]!).groups.push(key);
      if (hereToo) (except ??= new Set()).add(key);
    }
    nodes.length = 0;
    groups.length = 0;
    return { remote, local: { plain: true, groups: null, except, only: null } };
  }
}
