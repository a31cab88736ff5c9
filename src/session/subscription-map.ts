// A session's subscriptions by topic filter: the one-subscription case (most clients) without a Map.
import type { Subscription } from './subscription.js';

/**
 * The part of Map<string, Subscription> a session uses. One subscription is held in two fields; a second one moves
 * them into a Map. An empty Map with its hash table costs about 300 bytes, which matters per idle client.
 */
export class SubscriptionMap {
  #key: string | undefined = undefined;
  #value: Subscription | undefined = undefined;
  #map: Map<string, Subscription> | null = null;

  get size(): number {
    if (this.#map !== null) return this.#map.size;
    return this.#key === undefined ? 0 : 1;
  }

  get(filter: string): Subscription | undefined {
    if (this.#map !== null) return this.#map.get(filter);
    return filter === this.#key ? this.#value : undefined;
  }

  has(filter: string): boolean {
    if (this.#map !== null) return this.#map.has(filter);
    return filter === this.#key;
  }

  set(filter: string, subscription: Subscription): this {
    if (this.#map !== null) {
      this.#map.set(filter, subscription);
    } else if (this.#key === undefined || this.#key === filter) {
      this.#key = filter;
      this.#value = subscription;
    } else {
      // Insertion order is kept: the held one first.
      this.#map = new Map([
        [this.#key, this.#value!],
        [filter, subscription],
      ]);
      this.#key = undefined;
      this.#value = undefined;
    }
    return this;
  }

  delete(filter: string): boolean {
    if (this.#map !== null) return this.#map.delete(filter);
    if (this.#key === undefined || filter !== this.#key) return false;
    this.#key = undefined;
    this.#value = undefined;
    return true;
  }

  clear(): void {
    this.#map = null;
    this.#key = undefined;
    this.#value = undefined;
  }

  keys(): IterableIterator<string> {
    if (this.#map !== null) return this.#map.keys();
    return (this.#key === undefined ? [] : [this.#key]).values();
  }

  values(): IterableIterator<Subscription> {
    if (this.#map !== null) return this.#map.values();
    return (this.#value === undefined ? [] : [this.#value]).values();
  }
}
