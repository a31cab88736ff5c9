// Reports storage failures (a failed commit, a write or close that threw) the same way whatever the Persistence:
// the persistenceErrors counter, onError with `where: 'persistence'`, and a warning at most once a second, so a
// storage that fails every commit cannot flood the log.
import type { BrokerContext } from '../context.js';

/** Where failures are reported: the broker's logger, counters, hooks and clock. */
export type StorageErrorSink = Pick<BrokerContext, 'logger' | 'stats' | 'hooks' | 'clock'>;

/** At most one warning per this many ms. */
const WARN_INTERVAL_MS = 1000;

/** Counts, logs (rate-limited) and passes on storage failures. */
export class StorageErrorReporter {
  readonly #sink: StorageErrorSink;
  #lastWarnAt = -Infinity;
  #unlogged = 0;

  constructor(sink: StorageErrorSink) {
    this.#sink = sink;
  }

  /** Reports one failure of `operation` (commit, close, or the write that threw), for `clientId` when known. */
  report(err: unknown, operation: string, clientId: string | undefined): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const sink = this.#sink;
    sink.stats.persistenceErrors++;
    const now = sink.clock();
    if (now - this.#lastWarnAt >= WARN_INTERVAL_MS) {
      sink.logger.warn({ err: error, operation, client: clientId, unlogged: this.#unlogged }, 'storage commit failed: refusing what it should have stored');
      this.#lastWarnAt = now;
      this.#unlogged = 0;
    } else {
      this.#unlogged++;
    }
    if (sink.hooks.onError !== null) sink.hooks.notify('onError', error, clientId === undefined ? { where: 'persistence' } : { clientId, where: 'persistence' });
  }
}
