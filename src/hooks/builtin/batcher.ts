// Ordered, batched, retried delivery of items through a slow sender, bounded in memory, never blocking the producer.

/** Options of Batcher. */
export interface BatcherOptions<T> {
  /** Sends one batch; resolves 'ok', 'retry' (try the same batch again later) or 'drop' (give it up). */
  send: (batch: T[]) => Promise<'ok' | 'retry' | 'drop'>;
  /** Largest batch. Default 100. */
  maxItems?: number;
  /** Longest time an item waits for its batch to fill, ms. Default 200. */
  maxDelayMs?: number;
  /** Items held at once, all lanes together (queued and being sent); beyond this new items are dropped. Default 10000. */
  maxQueued?: number;
  /** Independent lanes; items with the same key always use the same lane, so their order is kept. Default 4. */
  lanes?: number;
  /** Attempts per batch before it is dropped. Default 10. */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt (with jitter), ms. Default 100. */
  retryInitialMs?: number;
  /** Largest retry delay, ms. Default 30000. */
  retryMaxMs?: number;
  /** Called with the number of items given up (queue full, or out of attempts). */
  onDrop?: (count: number, why: 'queue-full' | 'failed') => void;
  /** Called after a batch outcome changed the counters (sent, failed attempt, given up, abandoned by close). */
  onChange?: (stats: Readonly<BatcherStats>) => void;
}

/** Counters of a Batcher. */
export interface BatcherStats {
  /** Items accepted. */
  queued: number;
  /** Items delivered. */
  sent: number;
  /** Items refused because the queue was full. */
  droppedQueueFull: number;
  /** Items given up after failed attempts (or refused by the receiver). */
  droppedFailed: number;
  /** Failed send attempts (each is retried or dropped). */
  failedAttempts: number;
  /** Items held now. */
  pending: number;
}

interface Lane<T> {
  items: T[];
  /** A batch is being sent or waits for its retry: the lane sends nothing else meanwhile. */
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Collects items into per-lane FIFO queues and sends them in batches, one batch in flight per lane, so items of
 * one key arrive in order. `add` never waits and never throws: it appends and returns, and a full queue drops
 * the new item (counted). A failed batch is retried with exponential backoff before anything behind it is sent.
 */
export class Batcher<T> {
  readonly #send: BatcherOptions<T>['send'];
  readonly #maxItems: number;
  readonly #maxDelayMs: number;
  readonly #maxQueued: number;
  readonly #maxAttempts: number;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #onDrop: BatcherOptions<T>['onDrop'];
  readonly #onChange: BatcherOptions<T>['onChange'];
  readonly #lanes: Lane<T>[];
  readonly #stats: BatcherStats = { queued: 0, sent: 0, droppedQueueFull: 0, droppedFailed: 0, failedAttempts: 0, pending: 0 };
  #closed = false;
  /** Set when close() gave up on what was still pending: late outcomes are ignored. */
  #abandoned = false;
  readonly #idle: (() => void)[] = [];

  constructor(options: BatcherOptions<T>) {
    this.#send = options.send;
    this.#maxItems = Math.max(1, options.maxItems ?? 100);
    this.#maxDelayMs = Math.max(0, options.maxDelayMs ?? 200);
    this.#maxQueued = Math.max(1, options.maxQueued ?? 10_000);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 10);
    this.#retryInitialMs = Math.max(1, options.retryInitialMs ?? 100);
    this.#retryMaxMs = Math.max(this.#retryInitialMs, options.retryMaxMs ?? 30_000);
    this.#onDrop = options.onDrop;
    this.#onChange = options.onChange;
    const lanes = Math.max(1, options.lanes ?? 4);
    this.#lanes = Array.from({ length: lanes }, () => ({ items: [], busy: false, timer: undefined }));
  }

  /** A copy of the counters. */
  stats(): BatcherStats {
    return { ...this.#stats };
  }

  /** Queues an item on the lane of `key`; false when it was dropped (queue full or closed). */
  add(key: string, item: T): boolean {
    if (this.#closed || this.#stats.pending >= this.#maxQueued) {
      this.#stats.droppedQueueFull++;
      this.#onDrop?.(1, 'queue-full');
      return false;
    }
    const lane = this.#lanes[this.#lanes.length === 1 ? 0 : laneOf(key, this.#lanes.length)]!;
    lane.items.push(item);
    this.#stats.queued++;
    this.#stats.pending++;
    if (lane.busy) return true;
    if (lane.items.length >= this.#maxItems) this.#flush(lane);
    else if (lane.timer === undefined) {
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        this.#flush(lane);
      }, this.#maxDelayMs);
    }
    return true;
  }

  #flush(lane: Lane<T>): void {
    if (lane.timer !== undefined) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
    }
    if (lane.busy || lane.items.length === 0) {
      if (!lane.busy) this.#checkIdle();
      return;
    }
    lane.busy = true;
    const batch = lane.items.splice(0, this.#maxItems);
    this.#attempt(lane, batch, 1);
  }

  #attempt(lane: Lane<T>, batch: T[], attempt: number): void {
    const done = (outcome: 'ok' | 'retry' | 'drop'): void => {
      if (this.#abandoned) return;
      if (outcome === 'ok') {
        this.#stats.sent += batch.length;
        this.#release(lane, batch.length);
        return;
      }
      this.#stats.failedAttempts++;
      if (outcome === 'drop' || attempt >= this.#maxAttempts || this.#closed) {
        this.#stats.droppedFailed += batch.length;
        this.#onDrop?.(batch.length, 'failed');
        this.#release(lane, batch.length);
        return;
      }
      this.#onChange?.(this.#stats);
      const base = Math.min(this.#retryMaxMs, this.#retryInitialMs * 2 ** (attempt - 1));
      // Jitter spreads the retries of many lanes and brokers hitting one recovering endpoint.
      const wait = base / 2 + Math.random() * (base / 2);
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        this.#attempt(lane, batch, attempt + 1);
      }, wait);
    };
    let sending: Promise<'ok' | 'retry' | 'drop'>;
    try {
      sending = this.#send(batch);
    } catch {
      sending = Promise.resolve('retry');
    }
    sending.then(done, () => done('retry'));
  }

  #release(lane: Lane<T>, count: number): void {
    this.#stats.pending -= count;
    lane.busy = false;
    this.#onChange?.(this.#stats);
    if (lane.items.length >= this.#maxItems || (this.#closed && lane.items.length > 0)) this.#flush(lane);
    else if (lane.items.length > 0 && lane.timer === undefined) {
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        this.#flush(lane);
      }, this.#maxDelayMs);
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#stats.pending !== 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves when nothing is pending (for tests and for a graceful stop). */
  whenIdle(): Promise<void> {
    if (this.#stats.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops accepting items and sends what is queued now (one attempt per batch, retries skipped), waiting at most
   * `graceMs`; whatever is still pending afterwards is counted as dropped. Leaves no timers behind.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of this.#lanes) {
      if (!lane.busy) this.#flush(lane);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.#abandoned = true;
    const left = this.#stats.pending;
    this.#stats.pending = 0;
    for (const lane of this.#lanes) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      lane.items.length = 0;
      lane.busy = false;
    }
    if (left > 0) {
      this.#stats.droppedFailed += left;
      this.#onDrop?.(left, 'failed');
      this.#onChange?.(this.#stats);
    }
  }
}

/** FNV-1a of the key, for a stable lane per key without allocating. */
function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}
