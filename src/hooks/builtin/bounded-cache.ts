// A size-bounded cache whose entries expire: remembers answers of an external service for a while.

/** Options of BoundedCache. */
export interface BoundedCacheOptions {
  /** Most entries kept; the least recently written one goes first. */
  maxEntries: number;
  /** How long an entry is valid, ms. */
  ttlMs: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A Map in insertion order with a time to live per entry. Writing a key moves it to the end; when the cache
 * is full the oldest write is evicted, so memory stays bounded whatever the clients send.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: BoundedCacheOptions) {
    this.#maxEntries = Math.max(0, Math.floor(options.maxEntries));
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** The cached value, or undefined when absent or expired (an expired entry is removed). */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores a value for the configured time; a cache with ttl 0 or no room stores nothing. */
  set(key: K, value: V): void {
    if (this.#ttlMs <= 0 || this.#maxEntries === 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }

  /** Number of entries held (expired ones included until they are read or evicted). */
  get size(): number {
    return this.#entries.size;
  }
}
