// Logs a recurring failure at most once per interval, with how many were left out, so a dead service cannot flood the log.
import type { HookLogger } from '../hook.js';

/** One warning line per `intervalMs` at most; the lines in between are counted and reported with the next one. */
export class ThrottledWarning {
  readonly #intervalMs: number;
  #lastAt = -Infinity;
  #suppressed = 0;

  constructor(intervalMs = 10_000) {
    this.#intervalMs = intervalMs;
  }

  /** Logs `msg` at warn level unless one was logged less than the interval ago. */
  warn(logger: HookLogger, obj: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++;
      return;
    }
    this.#lastAt = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    logger.warn(suppressed === 0 ? obj : { ...obj, suppressed }, msg);
  }
}
