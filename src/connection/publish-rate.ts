// A per-connection publish rate (ClientLimits publishPerSecond / publishBytesPerSecond): token buckets of one second.
import type { LimitName } from '../sys/stats.js';

/** Token buckets for one client's messages and payload bytes; each holds one second of allowance. 0 = no limit. */
export class PublishRate {
  readonly perSecond: number;
  readonly bytesPerSecond: number;
  #messages: number;
  #bytes: number;
  #last: number;

  constructor(perSecond: number, bytesPerSecond: number, now: number) {
    this.perSecond = perSecond;
    this.bytesPerSecond = bytesPerSecond;
    this.#messages = perSecond;
    this.#bytes = bytesPerSecond;
    this.#last = now;
  }

  /** Takes one message of `bytes` payload bytes at `now` (ms); returns the limit that refuses it, or undefined. */
  take(bytes: number, now: number): LimitName | undefined {
    const seconds = now > this.#last ? (now - this.#last) / 1000 : 0;
    this.#last = now;
    const rate = this.perSecond;
    const byteRate = this.bytesPerSecond;
    if (rate !== 0) this.#messages = Math.min(rate, this.#messages + seconds * rate);
    if (byteRate !== 0) this.#bytes = Math.min(byteRate, this.#bytes + seconds * byteRate);
    if (rate !== 0 && this.#messages < 1) return 'publishPerSecond';
    if (byteRate !== 0 && this.#bytes < bytes) return 'publishBytesPerSecond';
    if (rate !== 0) this.#messages -= 1;
    if (byteRate !== 0) this.#bytes -= bytes;
    return undefined;
  }
}
