// The broker's side of the Persistence seam: every call goes through here, so a write that throws or whose promise
// rejects, with any Persistence implementation, is reported (onError with `where: 'persistence'`, a warning, the
// persistenceErrors counter) instead of failing the client that caused it or becoming an unhandled rejection.
import type { BrokerContext } from '../context.js';
import type { MessageRecord, PersistedState, Persistence, QueuedRecord, SessionRecord, SubscriptionRecord } from './persistence.js';

/** Where failures are reported: the broker's logger, counters and hooks. */
export type PersistenceErrorSink = Pick<BrokerContext, 'logger' | 'stats' | 'hooks'>;

/** At most one warning per this many ms: a storage that fails every write must not flood the log. */
const WARN_INTERVAL_MS = 1000;

/** Wraps a Persistence: same calls, never throws from a write, reports failures. */
export class GuardedPersistence {
  /** The wrapped implementation. */
  readonly inner: Persistence;
  readonly durable: boolean;
  /** Present when the wrapped Persistence has `saveQueued`. */
  readonly saveQueued: ((clientId: string, records: QueuedRecord[]) => void) | undefined;
  readonly #sink: PersistenceErrorSink;
  #lastWarnAt = -Infinity;
  #unlogged = 0;

  constructor(inner: Persistence, sink: PersistenceErrorSink) {
    this.inner = inner;
    this.durable = inner.durable;
    this.#sink = sink;
    this.saveQueued =
      inner.saveQueued === undefined
        ? undefined
        : (clientId, records) => {
            try {
              this.#settle(inner.saveQueued!(clientId, records), 'saveQueued', clientId);
            } catch (err) {
              this.report(err, 'saveQueued', clientId);
            }
          };
  }

  /** Opens the storage; a failure rejects (the broker cannot start without its state). */
  open(): Promise<PersistedState> {
    return this.inner.open();
  }

  saveSession(record: SessionRecord): void {
    try {
      this.#settle(this.inner.saveSession(record), 'saveSession', record.clientId);
    } catch (err) {
      this.report(err, 'saveSession', record.clientId);
    }
  }

  deleteSession(clientId: string): void {
    try {
      this.#settle(this.inner.deleteSession(clientId), 'deleteSession', clientId);
    } catch (err) {
      this.report(err, 'deleteSession', clientId);
    }
  }

  saveSubscription(record: SubscriptionRecord): void {
    try {
      this.#settle(this.inner.saveSubscription(record), 'saveSubscription', record.clientId);
    } catch (err) {
      this.report(err, 'saveSubscription', record.clientId);
    }
  }

  deleteSubscription(clientId: string, topicFilter: string): void {
    try {
      this.#settle(this.inner.deleteSubscription(clientId, topicFilter), 'deleteSubscription', clientId);
    } catch (err) {
      this.report(err, 'deleteSubscription', clientId);
    }
  }

  saveRetained(record: MessageRecord): void {
    try {
      this.#settle(this.inner.saveRetained(record), 'saveRetained', undefined);
    } catch (err) {
      this.report(err, 'saveRetained', undefined);
    }
  }

  deleteRetained(topic: string): void {
    try {
      this.#settle(this.inner.deleteRetained(topic), 'deleteRetained', undefined);
    } catch (err) {
      this.report(err, 'deleteRetained', undefined);
    }
  }

  /** Waits for the writes so far; a failure is reported and resolves, so a shutdown always completes. */
  async flush(): Promise<void> {
    try {
      await this.inner.flush();
    } catch (err) {
      this.report(err, 'flush', undefined);
    }
  }

  /** Closes the storage; a failure is reported and resolves. */
  async close(): Promise<void> {
    try {
      await this.inner.close();
    } catch (err) {
      this.report(err, 'close', undefined);
    }
  }

  /** Reports a failed persistence call: the counter, onError (`where: 'persistence'`) and a rate-limited warning. */
  report(err: unknown, operation: string, clientId: string | undefined): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const sink = this.#sink;
    sink.stats.persistenceErrors++;
    const now = Date.now();
    if (now - this.#lastWarnAt >= WARN_INTERVAL_MS) {
      sink.logger.warn({ err: error, operation, client: clientId, unlogged: this.#unlogged }, 'persistence write failed');
      this.#lastWarnAt = now;
      this.#unlogged = 0;
    } else {
      this.#unlogged++;
    }
    if (sink.hooks.onError !== null) sink.hooks.notify('onError', error, clientId === undefined ? { where: 'persistence' } : { clientId, where: 'persistence' });
  }

  /** Catches the rejection of a write's promise, if it returned one. */
  #settle(result: unknown, operation: string, clientId: string | undefined): void {
    if (typeof (result as { then?: unknown } | null | undefined)?.then === 'function') {
      (result as Promise<unknown>).then(undefined, (err: unknown) => this.report(err, operation, clientId));
    }
  }
}
