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

  /**
   * True when a line may be logged now (then call `log`); otherwise counts one suppressed line. Callers on a hot
   * path ask first, so a suppressed line costs no object and no message string.
   */
  due(): boolean {
    const now = Date.now();
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++;
      return false;
    }
    this.#lastAt = now;
    return true;
  }

  /** Logs at warn level with the number of lines suppressed since the last one. */
  log(logger: HookLogger, obj: Record<string, unknown>, msg: string): void {
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    logger.warn(suppressed === 0 ? obj : { ...obj, suppressed }, msg);
  }

  /** `due()` then `log()`. */
  warn(logger: HookLogger, obj: Record<string, unknown>, msg: string): void {
    if (this.due()) this.log(logger, obj, msg);
  }
}
