// Delivery counters a webhook's delivery thread writes and the broker's thread reads, in shared memory.

/** The delivery thread's counters as the broker's thread reads them. */
export interface DeliveryCounts {
  /** Events sent or given up (wraps at 2^31: compare differences only). */
  released: number;
  sent: number;
  droppedFailed: number;
  failedAttempts: number;
}

/**
 * Int32 slot 0 holds `released`, read on the publish path to see whether the bounded queue has room (an Int32
 * load is cheap and never allocates); the totals are 64-bit slots 1..3, read only for stats.
 */
export class DeliveryCounters {
  readonly buffer: SharedArrayBuffer;
  readonly #released: Int32Array;
  readonly #totals: BigInt64Array;

  constructor(buffer = new SharedArrayBuffer(32)) {
    this.buffer = buffer;
    this.#released = new Int32Array(buffer, 0, 1);
    this.#totals = new BigInt64Array(buffer, 8, 3);
  }

  /** Events released so far, modulo 2^32 as a signed Int32. */
  released(): number {
    return Atomics.load(this.#released, 0);
  }

  read(): DeliveryCounts {
    return {
      released: Atomics.load(this.#released, 0),
      sent: Number(Atomics.load(this.#totals, 0)),
      droppedFailed: Number(Atomics.load(this.#totals, 1)),
      failedAttempts: Number(Atomics.load(this.#totals, 2)),
    };
  }

  /** Written by the delivery thread after each outcome; `released` last, so a reader never sees room too early. */
  write(sent: number, droppedFailed: number, failedAttempts: number): void {
    Atomics.store(this.#totals, 0, BigInt(sent));
    Atomics.store(this.#totals, 1, BigInt(droppedFailed));
    Atomics.store(this.#totals, 2, BigInt(failedAttempts));
    Atomics.store(this.#released, 0, (sent + droppedFailed) | 0);
  }
}
