// Retained messages by topic name, with wildcard lookup for new subscriptions.
//
// Layout: a Map from topic to trie node gives O(1) get/set/delete; the trie of topic levels lets a
// filter such as `a/+/c` visit only the matching branches instead of scanning every stored topic.

const DOLLAR = 0x24;
const PLUS = 0x2b;
const HASH = 0x23;

class RetainedNode<V> {
  readonly parent: RetainedNode<V> | null;
  readonly level: string;
  children: Map<string, RetainedNode<V>> | null = null;
  hasValue = false;
  value: V | undefined = undefined;

  constructor(parent: RetainedNode<V> | null, level: string) {
    this.parent = parent;
    this.level = level;
  }
}

/** Stores one value per topic name and finds the values whose topic matches a topic filter. */
export class RetainedIndex<V> {
  readonly #root = new RetainedNode<V>(null, '');
  readonly #byTopic = new Map<string, RetainedNode<V>>();

  /** Stores `value` for `topic`; returns the previous value, if any. */
  set(topic: string, value: V): V | undefined {
    const existing = this.#byTopic.get(topic);
    if (existing !== undefined) {
      const previous = existing.value;
      existing.value = value;
      return previous;
    }
    let node = this.#root;
    let pos = 0;
    const len = topic.length;
    while (pos <= len) {
      let end = topic.indexOf('/', pos);
      if (end === -1) end = len;
      const level = topic.substring(pos, end);
      let next = node.children?.get(level);
      if (next === undefined) {
        next = new RetainedNode<V>(node, level);
        (node.children ??= new Map()).set(level, next);
      }
      node = next;
      pos = end + 1;
    }
    node.hasValue = true;
    node.value = value;
    this.#byTopic.set(topic, node);
    return undefined;
  }

  /** Removes the value of `topic`; returns it, if there was one. */
  delete(topic: string): V | undefined {
    const node = this.#byTopic.get(topic);
    if (node === undefined) return undefined;
    this.#byTopic.delete(topic);
    const previous = node.value;
    node.hasValue = false;
    node.value = undefined;
    // Prune empty levels so memory does not grow with retained churn.
    let n = node;
    for (let parent = n.parent; parent !== null && !n.hasValue && n.children === null; n = parent, parent = n.parent) {
      const siblings = parent.children as Map<string, RetainedNode<V>>;
      siblings.delete(n.level);
      if (siblings.size === 0) parent.children = null;
    }
    return previous;
  }

  /** Returns the value stored for `topic`, if any. */
  get(topic: string): V | undefined {
    return this.#byTopic.get(topic)?.value;
  }

  /** Pushes every stored value whose topic matches `filter` into `out`. */
  match(filter: string, out: V[]): void {
    if (filter.indexOf('+') === -1 && filter.indexOf('#') === -1) {
      // No wildcard: the filter names exactly one topic.
      const node = this.#byTopic.get(filter);
      if (node !== undefined) out.push(node.value as V);
      return;
    }
    matchWildcard(this.#root, filter, out);
  }

  /** Number of stored topics. */
  get size(): number {
    return this.#byTopic.size;
  }

  /** Iterates over the stored values. */
  *values(): IterableIterator<V> {
    for (const node of this.#byTopic.values()) yield node.value as V;
  }

  /** Iterates over the stored [topic, value] pairs. */
  *entries(): IterableIterator<[string, V]> {
    for (const [topic, node] of this.#byTopic) yield [topic, node.value as V];
  }
}

/**
 * Matches `filter` (which has a wildcard) below `root`. Walks with explicit stacks instead of recursion: topics
 * and filters may legally have tens of thousands of levels, which would overflow the call stack.
 */
function matchWildcard<V>(root: RetainedNode<V>, filter: string, out: V[]): void {
  const len = filter.length;
  // Each item is a node whose children are matched against the filter level starting at `pos`.
  const nodes: RetainedNode<V>[] = [root];
  const positions: number[] = [0];
  // Nodes whose whole subtree matches (below a '#').
  const subtrees: RetainedNode<V>[] = [];
  for (let node = nodes.pop(); node !== undefined; node = nodes.pop()) {
    const pos = positions.pop() as number;
    const atRoot = node === root;
    let end = filter.indexOf('/', pos);
    if (end === -1) end = len;
    const last = end === len;
    const wildcard = end - pos === 1 ? filter.charCodeAt(pos) : 0;
    const children = node.children;
    if (wildcard === HASH) {
      // '#' matches the parent level itself ("sport/#" matches "sport") and everything below.
      if (!atRoot && node.hasValue) out.push(node.value as V);
      if (children === null) continue;
      for (const child of children.values()) {
        // [MQTT-4.7.2-1]: a leading wildcard does not match topics starting with '$'.
        if (atRoot && child.level.charCodeAt(0) === DOLLAR) continue;
        subtrees.push(child);
      }
      continue;
    }
    if (children === null) continue;
    if (wildcard === PLUS) {
      for (const child of children.values()) {
        if (atRoot && child.level.charCodeAt(0) === DOLLAR) continue; // [MQTT-4.7.2-1]
        if (!last) {
          nodes.push(child);
          positions.push(end + 1);
        } else if (child.hasValue) {
          out.push(child.value as V);
        }
      }
      continue;
    }
    const child = children.get(filter.substring(pos, end));
    if (child === undefined) continue;
    if (!last) {
      nodes.push(child);
      positions.push(end + 1);
    } else if (child.hasValue) {
      out.push(child.value as V);
    }
  }
  for (let node = subtrees.pop(); node !== undefined; node = subtrees.pop()) {
    if (node.hasValue) out.push(node.value as V);
    if (node.children !== null) for (const child of node.children.values()) subtrees.push(child);
  }
}
