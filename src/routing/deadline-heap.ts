// A min-heap of deadlines by key: the earliest one is read in O(1), set, moved and removed in O(log n).
//
// Each key keeps its position in the heap (a Map), so replacing or removing a key's deadline takes it out at once:
// the heap never holds stale entries, and its size is the number of keys that have a deadline.

/** Deadlines (ms) by key, earliest first. */
export class DeadlineHeap<K> {
  readonly #keys: K[] = [];
  readonly #times: number[] = [];
  readonly #positions = new Map<K, number>();

  /** Number of keys with a deadline. */
  get size(): number {
    return this.#keys.length;
  }

  /** The earliest deadline, or Infinity when there is none. */
  earliest(): number {
    return this.#times.length === 0 ? Infinity : this.#times[0]!;
  }

  /** Sets (or moves) the deadline of `key`. */
  set(key: K, time: number): void {
    const at = this.#positions.get(key);
    if (at === undefined) {
      const i = this.#keys.length;
      this.#keys.push(key);
      this.#times.push(time);
      this.#positions.set(key, i);
      this.#up(i);
      return;
    }
    const old = this.#times[at]!;
    this.#times[at] = time;
    if (time < old) this.#up(at);
    else this.#down(at);
  }

  /** Removes the deadline of `key`; false when it had none. */
  delete(key: K): boolean {
    const at = this.#positions.get(key);
    if (at === undefined) return false;
    this.#removeAt(at);
    return true;
  }

  /** Removes and returns the key with the earliest deadline if that deadline is at or before `now`. */
  popDue(now: number): K | undefined {
    if (this.#times.length === 0 || this.#times[0]! > now) return undefined;
    const key = this.#keys[0]!;
    this.#removeAt(0);
    return key;
  }

  #removeAt(at: number): void {
    const keys = this.#keys;
    const times = this.#times;
    this.#positions.delete(keys[at]!);
    const last = keys.length - 1;
    if (at === last) {
      keys.pop();
      times.pop();
      return;
    }
    const movedKey = keys.pop()!;
    const movedTime = times.pop()!;
    keys[at] = movedKey;
    times[at] = movedTime;
    this.#positions.set(movedKey, at);
    this.#up(at);
    this.#down(this.#positions.get(movedKey)!);
  }

  #up(i: number): void {
    const keys = this.#keys;
    const times = this.#times;
    const key = keys[i]!;
    const time = times[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      keys[i] = keys[parent]!;
      times[i] = times[parent]!;
      this.#positions.set(keys[i]!, i);
      i = parent;
    }
    keys[i] = key;
    times[i] = time;
    this.#positions.set(key, i);
  }

  #down(i: number): void {
    const keys = this.#keys;
    const times = this.#times;
    const n = keys.length;
    const key = keys[i]!;
    const time = times[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && times[right]! < times[left]! ? right : left;
      if (times[child]! >= time) break;
      keys[i] = keys[child]!;
      times[i] = times[child]!;
      this.#positions.set(keys[i]!, i);
      i = child;
    }
    keys[i] = key;
    times[i] = time;
    this.#positions.set(key, i);
  }
}
