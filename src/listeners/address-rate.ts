// Per-address connection rate: one token bucket per remote address, so one host cannot use up a listener's accept
// rate (or its CPU on handshakes) alone. The table of buckets is bounded.
import type { ConnectionRate } from './listener.js';

/** Most addresses tracked at once; past it, buckets that refilled completely are dropped, then the oldest. */
export const MAX_TRACKED_ADDRESSES = 65_536;

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by remote address. */
export class AddressRateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxTracked: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(rate: ConnectionRate, maxTracked = MAX_TRACKED_ADDRESSES) {
    if (!(rate.perSecond > 0)) throw new RangeError('connectionRatePerAddress.perSecond must be > 0');
    if (rate.burst !== undefined && !(rate.burst >= 1)) throw new RangeError('connectionRatePerAddress.burst must be >= 1');
    this.#perMs = rate.perSecond / 1000;
    this.#burst = rate.burst ?? Math.max(1, rate.perSecond);
    this.#maxTracked = maxTracked;
  }

  /** Takes a token for `address`; false when its bucket is empty. An unknown address ('') is not limited. */
  take(address: string, now = Date.now()): boolean {
    if (address === '') return true;
    const key = normalize(address);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxTracked) this.#shrink(now);
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Addresses with a bucket now. */
  get tracked(): number {
    return this.#buckets.size;
  }

  // Drops buckets that are full again (forgetting them changes nothing), then the oldest until a quarter is free,
  // so a flood of distinct addresses costs amortised O(1) per connection.
  #shrink(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
    const target = Math.floor(this.#maxTracked * 0.75);
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= target) break;
      this.#buckets.delete(key);
    }
  }
}

// An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d; it is the same host as a.b.c.d.
function normalize(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
