// POSTs JSON to one URL with Node's fetch: a deadline per call, bounded concurrency and a circuit breaker.
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';

/** Options of HttpCaller. */
export interface HttpCallerOptions {
  url: string;
  /** Extra request headers (e.g. Authorization); never logged. */
  headers?: Readonly<Record<string, string>>;
  /** Deadline of one call, waiting for a free slot included, ms. Default 2000. */
  timeoutMs?: number;
  /** Requests in flight at once; more wait for a free slot. Default 64. */
  maxConcurrent?: number;
  /** Calls waiting for a slot; beyond this a call fails at once. Default 1024. */
  maxWaiting?: number;
  /** Circuit breaker settings. */
  breaker?: CircuitBreakerOptions;
}

/** The outcome of a call: a response (any status) or why there was none. */
export type HttpCallResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly error: string };

/** A URL fit for logs: no user info, no query string (either may hold a credential). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Calls one HTTP endpoint. Node's fetch keeps connections alive by default; every call has a deadline
 * (AbortSignal.timeout); at most `maxConcurrent` requests are in flight; after repeated failures the
 * circuit opens and calls fail at once instead of queueing behind a dead service.
 */
export class HttpCaller {
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #maxWaiting: number;
  readonly breaker: CircuitBreaker;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: HttpCallerOptions) {
    this.url = options.url;
    this.#headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#maxConcurrent = Math.max(1, options.maxConcurrent ?? 64);
    this.#maxWaiting = Math.max(0, options.maxWaiting ?? 1024);
    this.breaker = new CircuitBreaker(options.breaker);
  }

  /** POSTs `body` as JSON; resolves the status and the parsed JSON body (undefined when not JSON). Never rejects. */
  async postJson(body: unknown): Promise<HttpCallResult> {
    if (!this.breaker.allow()) return { ok: false, error: 'circuit open' };
    const signal = AbortSignal.timeout(this.#timeoutMs);
    if (!(await this.#acquire(signal))) {
      this.breaker.failure();
      return { ok: false, error: signal.aborted ? `no free connection within ${this.#timeoutMs} ms` : 'too many waiting requests' };
    }
    try {
      const response = await fetch(this.url, { method: 'POST', headers: this.#headers, body: JSON.stringify(body), signal });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (response.status >= 500) this.breaker.failure();
      else this.breaker.success();
      return { ok: true, status: response.status, body: parsed };
    } catch (err) {
      this.breaker.failure();
      return { ok: false, error: signal.aborted ? `no answer within ${this.#timeoutMs} ms` : describeFetchError(err) };
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal): Promise<boolean> | boolean {
    if (this.#inFlight < this.#maxConcurrent) {
      this.#inFlight++;
      return true;
    }
    if (this.#waiting.length >= this.#maxWaiting) return false;
    return new Promise<boolean>((resolve) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.#inFlight++;
        resolve(true);
      };
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(grant);
        if (index !== -1) this.#waiting.splice(index, 1);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    this.#inFlight--;
    const next = this.#waiting.shift();
    if (next !== undefined) next();
  }
}

/** fetch wraps network errors in "fetch failed"; the cause says what happened (ECONNREFUSED, ...). */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === undefined ? `${err.message}: ${cause.message}` : `${err.message}: ${code}`;
  }
  return err.message;
}
