// The broker's side of durable storage: records changes through the Persistence and group-commits them, one commit
// per event-loop turn (while one is running, the next turn's changes wait and go together in the following one).
// Acknowledgements that promise durability wait for the commit of the batch holding their changes: see
// docs/persistence.md. With a non-durable Persistence nothing is recorded and nothing waits.
import type { DeliveryRecord, MessageRecord, Persistence, SessionRecord, SubscriptionRecord } from './persistence.js';

/** Something holding output until a commit settles (a connection with acknowledgements to send). */
export interface CommitWaiter {
  /**
   * Called after each commit: `epoch` is durable (`ok`) or failed to commit. Returns true when the waiter has nothing
   * more to wait for (it is then forgotten).
   */
  commitSettled(epoch: number, ok: boolean): boolean;
}

/** The broker counters the journal keeps (BrokerStats). */
export interface StorageCounters {
  /** Commits that succeeded. */
  storageCommits: number;
  /** Bytes of stored messages (deliveries and retained), as counted by storedBytes(). */
  storedBytes: number;
}

/**
 * What one inbound PUBLISH recorded, which its PUBACK/PUBREC waits for: released when the commit of `epoch` is done,
 * or earlier when it recorded only deliveries and every one of them has been acknowledged by its subscriber (a message
 * already delivered needs no storage to be delivered).
 */
export interface PublishAck {
  readonly epoch: number;
  /** Deliveries recorded for it and not yet acknowledged by their subscriber. */
  outstanding: number;
  /** Something besides deliveries was recorded (retained message, inbound QoS 2 id, queue change): wait for the commit. */
  needsCommit: boolean;
  /** Told when the acknowledgement can go before the commit. */
  waiter: { ackReady(): void } | null;
}

/** True when a PublishAck no longer needs its commit. */
export function deliveredWithoutCommit(ack: PublishAck): boolean {
  return ack.outstanding === 0 && !ack.needsCommit;
}

/** How the journal reports storage trouble. */
export interface JournalEvents {
  /**
   * A commit failed (`operation` 'commit'; the broker refuses what waited for it), or a write method threw
   * (`operation` names it: the batch holding it then fails as a whole).
   */
  failed(err: Error, operation: string, clientId: string | undefined): void;
  /** A commit succeeded after failures. */
  recovered(): void;
}

/** Bytes a stored message is counted for against the size cap: payload, topic and a fixed record overhead. */
export function storedBytes(m: MessageRecord): number {
  return m.payload.length + m.topic.length + 64;
}

/** Records broker state changes and commits them in batches. */
export class Journal {
  readonly persistence: Persistence;
  /** True when the Persistence is durable: only then does anything get recorded. */
  readonly enabled: boolean;
  /** The batch changes go into now; a change recorded now is durable once `durableEpoch` reaches it. */
  epoch = 1;
  /** The last batch known durable. */
  durableEpoch = 0;
  /** False from a failed commit until one succeeds. */
  available = true;
  /** Next delivery sequence number (broker-wide, increasing). */
  nextSeq = 1;
  /** Cap on the stored bytes; 0 = none. */
  maxBytes: number;
  /** Set when a delivery or retained message was not stored because of the size cap (reset by the publish handler). */
  quotaHit = false;
  /** Changes recorded so far. */
  changes = 0;
  /** What the inbound PUBLISH being routed has recorded (between beginPublish and endPublish). */
  #current: PublishAck | null = null;
  #collecting = false;
  readonly #stats: StorageCounters;
  readonly #events: JournalEvents;
  #dirty = false;
  /** Set when a write method of the batch being recorded threw: that batch's commit fails. */
  #writeError: Error | null = null;
  #committing: Promise<void> | null = null;
  /** Writes elsewhere the next commit waits for (awaitWrite). */
  #writes: Promise<unknown>[] = [];
  #closed = false;
  readonly #waiters = new Set<CommitWaiter>();
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #retryMs: number;
  readonly #commitNow = (): void => this.#commit();

  constructor(persistence: Persistence, stats: StorageCounters, events: JournalEvents, options: { maxBytes?: number; retryMs?: number } = {}) {
    this.persistence = persistence;
    this.enabled = persistence.durable;
    this.#stats = stats;
    this.#events = events;
    this.maxBytes = options.maxBytes ?? 0;
    this.#retryMs = options.retryMs ?? 1000;
  }

  /** True when storing `bytes` more would pass the size cap. */
  wouldExceed(bytes: number): boolean {
    return this.maxBytes !== 0 && this.#stats.storedBytes + bytes > this.maxBytes;
  }

  /** Holds `waiter` until the commit of its batch settles. */
  wait(waiter: CommitWaiter): void {
    this.#waiters.add(waiter);
  }

  /**
   * Makes the next commit wait for `write` too (a message sent to another node of a cluster): an acknowledgement of
   * the publish being routed is held until it has succeeded, and refused if it fails.
   */
  awaitWrite(write: Promise<unknown>): void {
    this.#writes.push(write);
    this.#touch();
  }

  /** Starts collecting what one inbound PUBLISH records. */
  beginPublish(): void {
    this.#collecting = true;
    this.#current = null;
  }

  /** Ends collecting; returns what the publish's acknowledgement must wait for, or null when nothing was recorded. */
  endPublish(): PublishAck | null {
    this.#collecting = false;
    const ack = this.#current;
    this.#current = null;
    return ack;
  }

  saveSession(record: SessionRecord): void {
    try {
      this.persistence.saveSession(record);
    } catch (err) {
      this.#writeFailed(err, 'saveSession', record.clientId);
    }
    this.#touch();
  }
  deleteSession(clientId: string, bytesFreed: number): void {
    try {
      this.persistence.deleteSession(clientId);
    } catch (err) {
      this.#writeFailed(err, 'deleteSession', clientId);
    }
    this.#stats.storedBytes -= bytesFreed;
    this.#touch();
  }
  saveSubscription(record: SubscriptionRecord): void {
    try {
      this.persistence.saveSubscription(record);
    } catch (err) {
      this.#writeFailed(err, 'saveSubscription', record.clientId);
    }
    this.#touch();
  }
  deleteSubscription(clientId: string, topicFilter: string): void {
    try {
      this.persistence.deleteSubscription(clientId, topicFilter);
    } catch (err) {
      this.#writeFailed(err, 'deleteSubscription', clientId);
    }
    this.#touch();
  }
  /** Stores a retained message replacing `previous` (its byte count is released). */
  saveRetained(record: MessageRecord, previous: MessageRecord | undefined): void {
    try {
      this.persistence.saveRetained(record);
    } catch (err) {
      this.#writeFailed(err, 'saveRetained', undefined);
    }
    this.#stats.storedBytes += storedBytes(record) - (previous === undefined ? 0 : storedBytes(previous));
    this.#touch();
  }
  deleteRetained(previous: MessageRecord): void {
    try {
      this.persistence.deleteRetained(previous.topic);
    } catch (err) {
      this.#writeFailed(err, 'deleteRetained', undefined);
    }
    this.#stats.storedBytes -= storedBytes(previous);
    this.#touch();
  }
  /** Stores a delivery; returns the acknowledgement of the publish being routed that now waits for it, if any. */
  saveDelivery(record: DeliveryRecord): PublishAck | null {
    try {
      this.persistence.saveDelivery(record);
    } catch (err) {
      this.#writeFailed(err, 'saveDelivery', record.clientId);
    }
    this.#stats.storedBytes += storedBytes(record.message);
    this.#touch(true);
    const ack = this.#current;
    if (ack !== null) ack.outstanding++;
    return ack;
  }
  updateDelivery(clientId: string, seq: number, packetId: number, released: boolean): void {
    try {
      this.persistence.updateDelivery(clientId, seq, packetId, released);
    } catch (err) {
      this.#writeFailed(err, 'updateDelivery', clientId);
    }
    this.#touch();
  }
  deleteDelivery(clientId: string, seq: number, message: MessageRecord): void {
    try {
      this.persistence.deleteDelivery(clientId, seq);
    } catch (err) {
      this.#writeFailed(err, 'deleteDelivery', clientId);
    }
    this.#stats.storedBytes -= storedBytes(message);
    this.#touch();
  }
  holdInbound(clientId: string, packetId: number): void {
    try {
      this.persistence.holdInbound(clientId, packetId);
    } catch (err) {
      this.#writeFailed(err, 'holdInbound', clientId);
    }
    this.#touch();
  }
  releaseInbound(clientId: string, packetId: number): void {
    try {
      this.persistence.releaseInbound(clientId, packetId);
    } catch (err) {
      this.#writeFailed(err, 'releaseInbound', clientId);
    }
    this.#touch();
  }

  /** Commits everything recorded so far and waits for it (close, tests). Rejects when storage fails. */
  async flush(): Promise<void> {
    while (this.#committing !== null) await this.#committing;
    if (!this.#dirty) return;
    this.#commit();
    const running = this.#committing as Promise<void> | null;
    if (running !== null) await running;
    if (!this.available) throw new Error('storage unavailable');
  }

  /**
   * Resolves once every change recorded before the call is durable, rejects if the commit holding them fails. Unlike
   * flush() it never waits for changes recorded later (a busy broker always has some).
   */
  settled(): Promise<void> {
    if (!this.#dirty && this.#committing === null) return Promise.resolve();
    const target = this.#dirty ? this.epoch : this.epoch - 1;
    return new Promise((resolve, reject) => {
      this.wait({
        commitSettled: (epoch, ok) => {
          if (epoch < target) return false;
          if (ok) resolve();
          else reject(new Error('storage commit failed'));
          return true;
        },
      });
    });
  }

  /** Stops retrying; later changes are still passed on (close() of the Persistence commits them). */
  stop(): void {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /** Counts bytes of messages already in storage (restored at start). */
  countRestored(bytes: number): void {
    this.#stats.storedBytes += bytes;
  }

  /**
   * A write method threw (the Persistence broke its contract, or refused the change): the change is not in storage, so
   * the batch holding it must not count as durable. It is reported now and its commit fails.
   */
  #writeFailed(err: unknown, operation: string, clientId: string | undefined): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#writeError ??= error;
    this.#events.failed(error, operation, clientId);
  }

  #touch(delivery = false): void {
    this.changes++;
    if (this.#collecting) {
      const ack = (this.#current ??= { epoch: this.epoch, outstanding: 0, needsCommit: false, waiter: null });
      if (!delivery) ack.needsCommit = true;
    }
    if (this.#dirty) return;
    this.#dirty = true;
    // One commit per turn: after this turn's I/O callbacks have recorded their changes.
    if (this.#committing === null) setImmediate(this.#commitNow);
  }

  #commit(): void {
    if (this.#committing !== null || !this.#dirty) return;
    const epoch = this.epoch++;
    this.#dirty = false;
    const writeError = this.#writeError;
    this.#writeError = null;
    let committed: Promise<void>;
    try {
      committed = this.persistence.commit();
    } catch (err) {
      committed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (this.#writes.length > 0) {
      const writes = this.#writes;
      this.#writes = [];
      // Settled together: the storage commit is never left running when a write fails.
      committed = Promise.allSettled([committed, ...writes]).then((results) => {
        for (const r of results) if (r.status === 'rejected') throw r.reason;
      });
    }
    // A batch with a write that threw is not durable, even if the rest of it committed (already reported). Its change
    // is lost, not retried, so it settles a turn later: after the connections holding acknowledgements for it have
    // registered (they are refused, never released by a later commit).
    if (writeError !== null) committed = committed.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.#committing = committed.then(
      () => this.#settle(epoch, writeError === null, undefined),
      (err: unknown) => this.#settle(epoch, false, err instanceof Error ? err : new Error(String(err))),
    );
  }

  #settle(epoch: number, ok: boolean, err: Error | undefined): void {
    this.#committing = null;
    if (ok) {
      this.#stats.storageCommits++;
      this.durableEpoch = epoch;
      if (!this.available) {
        this.available = true;
        this.#events.recovered();
      }
    } else {
      this.available = false;
      if (err !== undefined) this.#events.failed(err, 'commit', undefined);
      // The failed batch is back in the Persistence's log: retry it even if nothing new is recorded.
      if (!this.#closed && this.#retryTimer === undefined) {
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = undefined;
          this.#touch();
        }, this.#retryMs);
        this.#retryTimer.unref();
      }
    }
    for (const waiter of this.#waiters) if (waiter.commitSettled(epoch, ok)) this.#waiters.delete(waiter);
    if (this.#dirty) this.#commit();
  }
}
