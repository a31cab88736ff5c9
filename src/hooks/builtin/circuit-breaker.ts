// A circuit breaker: after repeated failures, stop calling a service for a while and fail at once instead.

/** Options of CircuitBreaker. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one trial call is let through, ms. Default 10000. */
  resetMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

/** closed: calls go through; open: calls fail fast; half-open: one trial call decides. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Counts consecutive failures of a service. While open, `allow()` is false so callers answer at once
 * (a dead service must not make every client wait for its timeout); after `resetMs` a single trial call is
 * allowed, and its outcome closes or re-opens the circuit.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #resetMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openedAt = 0;
  #state: CircuitState = 'closed';
  #trialRunning = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = Math.max(1, options.failureThreshold ?? 5);
    this.#resetMs = options.resetMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The current state. */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#resetMs) return 'half-open';
    return this.#state;
  }

  /** True when a call may be made now; in half-open state only one trial call at a time is allowed. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.#trialRunning) return false;
    this.#trialRunning = true;
    this.#state = 'half-open';
    return true;
  }

  /** Records a successful call: the circuit closes. */
  success(): void {
    this.#failures = 0;
    this.#trialRunning = false;
    this.#state = 'closed';
  }

  /** Records a failed call: a failed trial, or reaching the threshold, opens the circuit. */
  failure(): void {
    this.#failures++;
    const trial = this.#trialRunning;
    this.#trialRunning = false;
    if (trial || this.#failures >= this.#threshold) {
      this.#state = 'open';
      this.#openedAt = this.#now();
    }
  }
}
