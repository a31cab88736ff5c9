// A broker clock a test moves by hand, so expiry and delay tests do not wait on the wall clock.

/** Pass `clock.now` as the broker's `clock` option; `advance()` moves time forward for the next sweep. */
export class ManualClock {
  #time = Date.now();
  readonly now = (): number => this.#time;

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.#time += ms;
  }
}
