// Per-listener admission: a cap on open connections, a token-bucket rate (per listener and per remote address), and
// the counters behind stats().
import type { Socket } from 'node:net';
import { AddressRateLimiter } from './address-rate.js';
import type { ConnectionRate, ListenerStats } from './listener.js';

/** Limits a listener enforces at accept time. */
export interface ConnectionLimits {
  /** Most connections open at once; further ones are destroyed at accept. Default: unlimited. */
  readonly maxConnections?: number | undefined;
  /** Accept rate as a token bucket; connections with no token left are destroyed at accept. Default: unlimited. */
  readonly connectionRate?: ConnectionRate | undefined;
  /** Accept rate of each remote address as a token bucket; a connection over it is destroyed at accept. Default: unlimited. */
  readonly connectionRatePerAddress?: ConnectionRate | undefined;
}

/** Why a connection was refused at accept. */
export type RefusalCause = 'maxConnections' | 'rate' | 'addressRate';

/** Decides whether to admit each new connection and counts the outcome. */
export class ConnectionGate {
  readonly #maxConnections: number;
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt: number;
  #accepted = 0;
  #open = 0;
  #refusedMax = 0;
  #refusedRate = 0;
  #refusedAddressRate = 0;
  #refusedProxy = 0;
  readonly #perAddress: AddressRateLimiter | undefined;

  constructor(limits: ConnectionLimits) {
    const max = limits.maxConnections;
    if (max !== undefined && (!Number.isInteger(max) || max < 0)) throw new RangeError('maxConnections must be an integer >= 0');
    this.#maxConnections = max ?? Infinity;
    const rate = limits.connectionRate;
    if (rate !== undefined && !(rate.perSecond > 0)) throw new RangeError('connectionRate.perSecond must be > 0');
    if (rate?.burst !== undefined && !(rate.burst >= 1)) throw new RangeError('connectionRate.burst must be >= 1');
    this.#perMs = rate === undefined ? 0 : rate.perSecond / 1000;
    this.#burst = rate === undefined ? Infinity : (rate.burst ?? Math.max(1, rate.perSecond));
    this.#tokens = this.#burst;
    this.#refilledAt = Date.now();
    const perAddress = limits.connectionRatePerAddress;
    this.#perAddress = perAddress === undefined ? undefined : new AddressRateLimiter(perAddress);
  }

  /**
   * Returns why a new connection must be refused (and counts it), or undefined when it may proceed. `remoteAddress`
   * is the peer's address for the per-address rate; undefined skips that check (see checkAddress).
   */
  check(remoteAddress?: string): RefusalCause | undefined {
    if (this.#open >= this.#maxConnections) {
      this.#refusedMax++;
      return 'maxConnections';
    }
    // The address first: a flooding host's refused connections must not use up the listener's tokens.
    if (remoteAddress !== undefined && this.checkAddress(remoteAddress) !== undefined) return 'addressRate';
    if (this.#burst !== Infinity) {
      const now = Date.now();
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilledAt) * this.#perMs);
      this.#refilledAt = now;
      if (this.#tokens < 1) {
        this.#refusedRate++;
        return 'rate';
      }
      this.#tokens -= 1;
    }
    return undefined;
  }

  /** The per-address rate alone, for an address learnt after accept (a PROXY header); counts a refusal. */
  checkAddress(remoteAddress: string): 'addressRate' | undefined {
    if (this.#perAddress === undefined || this.#perAddress.take(remoteAddress)) return undefined;
    this.#refusedAddressRate++;
    return 'addressRate';
  }

  /** Counts `socket` as open until it closes; call at accept, before any handshake, so the cap covers half-open peers too. */
  track(socket: Pick<Socket, 'on'>): void {
    this.#open++;
    // One listener function per gate ('close' comes once): no closure or once-wrapper per connection.
    socket.on('close', this.#closed);
  }

  readonly #closed = (): void => {
    this.#open--;
  };

  /** Counts a connection handed to the broker. */
  accepted(): void {
    this.#accepted++;
  }

  /** Counts a connection closed for a bad, missing or late PROXY header. */
  refusedProxy(): void {
    this.#refusedProxy++;
  }

  /** A snapshot of the counters. */
  stats(): ListenerStats {
    return {
      accepted: this.#accepted,
      refused: { maxConnections: this.#refusedMax, rate: this.#refusedRate, addressRate: this.#refusedAddressRate, proxy: this.#refusedProxy },
      open: this.#open,
    };
  }
}
