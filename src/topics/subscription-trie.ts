// The subscription trie: topic filters keyed level by level, matched against topic names on every publish.
//
// Layout: each node is one filter level. Literal children sit in a Map created on first use; the '+' and
// '#' children have their own slots, so matching never builds a key for them. Entries of one filter live in
// parallel dense arrays (keys/values) with a key → index Map, so `match` walks them with an indexed loop
// and allocates nothing, while add/remove stay O(1) (swap with the last element).

const DOLLAR = 0x24;

/** A shared subscription group on one filter: the router picks one member per message using `cursor`. */
export interface SharedGroup<V> {
  readonly group: string;
  readonly filter: string;
  readonly members: V[];
  cursor: number;
}

/** One entry of the trie as listed by `entries()`; `group` is set for shared subscriptions. */
export interface TrieEntry<V> {
  filter: string;
  key: string;
  value: V;
  group: string | undefined;
}

/**
 * Dense (key, value) storage with swap-remove. Small lists (most filters have one subscriber) are
 * searched linearly; a key → index Map is built only past INDEX_THRESHOLD entries, which keeps an idle
 * client's subscription small while lookups in crowded filters stay O(1).
 */
class EntryList<V> {
  keys: string[] = [];
  values: V[] = [];
  #index: Map<string, number> | null = null;

  get length(): number {
    return this.keys.length;
  }

  #find(key: string): number {
    const index = this.#index;
    if (index !== null) return index.get(key) ?? -1;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  get(key: string): V | undefined {
    const i = this.#find(key);
    return i === -1 ? undefined : this.values[i];
  }

  /** Inserts or replaces; returns the replaced value and whether one existed. */
  set(key: string, value: V): { replaced: boolean; previous: V | undefined } {
    const i = this.#find(key);
    if (i !== -1) {
      const previous = this.values[i];
      this.values[i] = value;
      return { replaced: true, previous };
    }
    const at = this.keys.length;
    if (at === 0) {
      // Exactly sized for the common single entry: a first push() would reserve room for 17 (about 150 bytes a column).
      this.keys = [key];
      this.values = [value];
    } else {
      this.keys.push(key);
      this.values.push(value);
    }
    if (this.#index !== null) {
      this.#index.set(key, at);
    } else if (at + 1 > INDEX_THRESHOLD) {
      const index = new Map<string, number>();
      for (let k = 0; k < this.keys.length; k++) index.set(this.keys[k] as string, k);
      this.#index = index;
    }
    return { replaced: false, previous: undefined };
  }

  /** Removes `key`; returns its index before removal, or -1. */
  delete(key: string): number {
    const i = this.#find(key);
    if (i === -1) return -1;
    this.#index?.delete(key);
    const last = this.keys.length - 1;
    if (i !== last) {
      const movedKey = this.keys[last] as string;
      this.keys[i] = movedKey;
      this.values[i] = this.values[last] as V;
      this.#index?.set(movedKey, i);
    }
    this.keys.pop();
    this.values.pop();
    return i;
  }
}

/** Entries per filter above which a key index is kept (linear search below it). */
const INDEX_THRESHOLD = 8;

/** A shared group whose `members` array is the value column of its entry list. */
class Group<V> implements SharedGroup<V> {
  readonly group: string;
  readonly filter: string;
  readonly list = new EntryList<V>();
  cursor = 0;

  constructor(group: string, filter: string) {
    this.group = group;
    this.filter = filter;
  }

  get members(): V[] {
    return this.list.values;
  }
}

class TrieNode<V> {
  readonly parent: TrieNode<V> | null;
  /** The level this node stands for in its parent ('+' and '#' included). */
  readonly level: string;
  /** The filter spelled by the path from the root to this node. */
  readonly filter: string;
  children: Map<string, TrieNode<V>> | null = null;
  plus: TrieNode<V> | null = null;
  hash: TrieNode<V> | null = null;
  entries: EntryList<V> | null = null;
  groups: Group<V>[] | null = null;

  constructor(parent: TrieNode<V> | null, level: string, filter: string) {
    this.parent = parent;
    this.level = level;
    this.filter = filter;
  }

  isEmpty(): boolean {
    return this.entries === null && this.groups === null && this.children === null && this.plus === null && this.hash === null;
  }
}

/**
 * A trie of topic filters mapping (filter, key) to an opaque value, with shared subscription groups.
 *
 * Filters must already be valid (see isValidTopicFilter); keys are client ids.
 */
export class SubscriptionTrie<V> {
  readonly #root = new TrieNode<V>(null, '', '');
  /**
   * Filters without wildcards live outside the trie, keyed by the whole filter: the common publish
   * then costs one Map lookup by topic, and the walk only runs when wildcard filters exist.
   */
  readonly #exact = new Map<string, TrieNode<V>>();
  #size = 0;
  #filterCount = 0;
  readonly #stackNodes: (TrieNode<V> | null)[] = [];
  readonly #stackPositions: number[] = [];

  /** Adds or replaces the entry (filter, key); returns the replaced value, if any. */
  add(filter: string, key: string, value: V): V | undefined {
    const node = this.#nodeFor(filter);
    let list = node.entries;
    if (list === null) {
      list = node.entries = new EntryList<V>();
      this.#filterCount++;
    }
    const r = list.set(key, value);
    if (!r.replaced) this.#size++;
    return r.previous;
  }

  /** Removes the entry (filter, key); returns its value, if it existed. */
  remove(filter: string, key: string): V | undefined {
    const node = this.#find(filter);
    const list = node?.entries;
    if (node === undefined || list === null || list === undefined) return undefined;
    const value = list.get(key);
    if (list.delete(key) === -1) return undefined;
    this.#size--;
    if (list.length === 0) {
      node.entries = null;
      this.#filterCount--;
      this.#prune(node);
    }
    return value;
  }

  /** Returns the value of the entry (filter, key), if any. */
  get(filter: string, key: string): V | undefined {
    return this.#find(filter)?.entries?.get(key);
  }

  /** Adds or replaces `key` in shared group `group` on `filter` (the inner filter, without `$share/`). */
  addShared(group: string, filter: string, key: string, value: V): V | undefined {
    const node = this.#nodeFor(filter);
    let g = findGroup(node, group);
    if (g === undefined) {
      g = new Group<V>(group, filter);
      (node.groups ??= []).push(g);
      this.#filterCount++;
    }
    const r = g.list.set(key, value);
    if (!r.replaced) this.#size++;
    return r.previous;
  }

  /** Removes `key` from shared group `group` on `filter`; returns its value, if it existed. */
  removeShared(group: string, filter: string, key: string): V | undefined {
    const node = this.#find(filter);
    if (node === undefined) return undefined;
    const g = findGroup(node, group);
    if (g === undefined) return undefined;
    const value = g.list.get(key);
    if (g.list.delete(key) === -1) return undefined;
    this.#size--;
    // Keep the round-robin cursor in range so the router never indexes past the end.
    if (g.cursor >= g.members.length) g.cursor = 0;
    if (g.list.length === 0) {
      const groups = node.groups as Group<V>[];
      groups.splice(groups.indexOf(g), 1);
      if (groups.length === 0) node.groups = null;
      this.#filterCount--;
      this.#prune(node);
    }
    return value;
  }

  /** Returns the value of `key` in shared group `group` on `filter`, if any. */
  getShared(group: string, filter: string, key: string): V | undefined {
    const node = this.#find(filter);
    return node === undefined ? undefined : findGroup(node, group)?.list.get(key);
  }

  /**
   * Pushes every matching non-shared value into `out` and every matching shared group into `groups`; allocates
   * nothing else.
   */
  match(topic: string, out: V[], groups: SharedGroup<V>[]): void {
    this.#walk(topic, out, groups);
  }

  /**
   * Depth-first walk with an explicit stack kept on the instance: recursion would overflow the call stack
   * on a topic and filter with tens of thousands of levels (both legal), and a reused stack allocates nothing.
   * `match` never calls out to user code, so the shared stack cannot be re-entered.
   */
  #walk(topic: string, out: V[], groups: SharedGroup<V>[]): void {
    if (this.#exact.size !== 0) {
      const exact = this.#exact.get(topic);
      if (exact !== undefined) collect(exact, out, groups);
    }
    const root = this.#root;
    if (root.children === null && root.plus === null && root.hash === null) return;
    const nodes = this.#stackNodes;
    const positions = this.#stackPositions;
    const len = topic.length;
    let end = topic.indexOf('/');
    if (end === -1) end = len;
    let sp = 0;
    // [MQTT-4.7.2-1]: filters whose first level is a wildcard do not match topics starting with '$'.
    if (topic.charCodeAt(0) !== DOLLAR) {
      if (root.hash !== null) collect(root.hash, out, groups);
      if (root.plus !== null) {
        nodes[sp] = root.plus;
        positions[sp++] = end + 1;
      }
    }
    if (root.children !== null) {
      const child = root.children.get(topic.substring(0, end));
      if (child !== undefined) {
        nodes[sp] = child;
        positions[sp++] = end + 1;
      }
    }
    // Each stack item is a node reached after consuming the levels before `pos`; `pos > len` means all of them.
    while (sp > 0) {
      sp--;
      const node = nodes[sp] as TrieNode<V>;
      const pos = positions[sp] as number;
      nodes[sp] = null; // do not keep pruned nodes alive through the stack
      if (node.hash !== null) collect(node.hash, out, groups);
      if (pos > len) {
        // [MQTT-4.7.1-2] (3.1.1): '#' also matches the parent level, so "sport/#" matches "sport" (collected above).
        collect(node, out, groups);
        continue;
      }
      const plus = node.plus;
      const children = node.children;
      if (plus === null && children === null) continue;
      end = topic.indexOf('/', pos);
      if (end === -1) end = len;
      // '+' matches exactly one level, including an empty one.
      if (plus !== null) {
        nodes[sp] = plus;
        positions[sp++] = end + 1;
      }
      if (children !== null) {
        const child = children.get(topic.substring(pos, end));
        if (child !== undefined) {
          nodes[sp] = child;
          positions[sp++] = end + 1;
        }
      }
    }
  }

  /** Number of entries, shared and non-shared. */
  get size(): number {
    return this.#size;
  }

  /** Number of distinct subscription filters: each non-shared filter and each (group, filter) pair count once. */
  get filterCount(): number {
    return this.#filterCount;
  }

  /** Iterates over every entry; `filter` is the inner filter for shared entries. */
  *entries(): IterableIterator<TrieEntry<V>> {
    const stack: TrieNode<V>[] = [this.#root, ...this.#exact.values()];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      const list = node.entries;
      if (list !== null) {
        for (let i = 0; i < list.length; i++) {
          yield { filter: node.filter, key: list.keys[i] as string, value: list.values[i] as V, group: undefined };
        }
      }
      if (node.groups !== null) {
        for (const g of node.groups) {
          for (let i = 0; i < g.list.length; i++) {
            yield { filter: node.filter, key: g.list.keys[i] as string, value: g.list.values[i] as V, group: g.group };
          }
        }
      }
      if (node.hash !== null) stack.push(node.hash);
      if (node.plus !== null) stack.push(node.plus);
      if (node.children !== null) for (const child of node.children.values()) stack.push(child);
    }
  }

  /** The node holding `filter`'s entries: in the exact map or the wildcard trie; created when missing. */
  #nodeFor(filter: string): TrieNode<V> {
    if (!hasWildcard(filter)) {
      let node = this.#exact.get(filter);
      if (node === undefined) {
        node = new TrieNode<V>(null, filter, filter);
        this.#exact.set(filter, node);
      }
      return node;
    }
    return this.#ensure(filter);
  }

  /** Walks to the node of `filter`, creating missing levels. */
  #ensure(filter: string): TrieNode<V> {
    let node = this.#root;
    let pos = 0;
    const len = filter.length;
    while (pos <= len) {
      const end = levelEnd(filter, pos);
      const level = filter.substring(pos, end);
      let next: TrieNode<V> | null | undefined;
      if (level === '+') next = node.plus;
      else if (level === '#') next = node.hash;
      else next = node.children?.get(level);
      if (next === null || next === undefined) {
        next = new TrieNode<V>(node, level, filter.substring(0, end));
        if (level === '+') node.plus = next;
        else if (level === '#') node.hash = next;
        else (node.children ??= new Map()).set(level, next);
      }
      node = next;
      pos = end + 1;
    }
    return node;
  }

  /** Walks to the node of `filter` without creating anything. */
  #find(filter: string): TrieNode<V> | undefined {
    if (!hasWildcard(filter)) return this.#exact.get(filter);
    let node = this.#root;
    let pos = 0;
    const len = filter.length;
    while (pos <= len) {
      const end = levelEnd(filter, pos);
      const level = filter.substring(pos, end);
      const next = level === '+' ? node.plus : level === '#' ? node.hash : node.children?.get(level);
      if (next === null || next === undefined) return undefined;
      node = next;
      pos = end + 1;
    }
    return node;
  }

  /** Detaches empty nodes from `node` upwards so memory does not grow with subscription churn. */
  #prune(start: TrieNode<V>): void {
    if (start.parent === null) {
      // An exact filter's node (the root never holds entries: '' is not a valid filter).
      if (start !== this.#root && start.isEmpty()) this.#exact.delete(start.filter);
      return;
    }
    let node = start;
    for (let parent = node.parent; parent !== null && node.isEmpty(); node = parent, parent = node.parent) {
      if (parent.plus === node) parent.plus = null;
      else if (parent.hash === node) parent.hash = null;
      else if (parent.children !== null) {
        parent.children.delete(node.level);
        if (parent.children.size === 0) parent.children = null;
      }
    }
  }
}

/** True when the filter has a '+' or '#' level (a valid filter has them only as whole levels). */
function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

function findGroup<V>(node: TrieNode<V>, group: string): Group<V> | undefined {
  const groups = node.groups;
  if (groups === null) return undefined;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as Group<V>;
    if (g.group === group) return g;
  }
  return undefined;
}

/** Index of the '/' ending the level that starts at `pos`, or the string length for the last level. */
function levelEnd(s: string, pos: number): number {
  const i = s.indexOf('/', pos);
  return i === -1 ? s.length : i;
}

function collect<V>(node: TrieNode<V>, out: V[], groups: SharedGroup<V>[]): void {
  const list = node.entries;
  if (list !== null) {
    const values = list.values;
    for (let i = 0; i < values.length; i++) out.push(values[i] as V);
  }
  const gs = node.groups;
  if (gs !== null) for (let i = 0; i < gs.length; i++) groups.push(gs[i] as Group<V>);
}
