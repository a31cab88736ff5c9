// What a subscriber checks about the messages it receives: loss, duplicates and order per publisher.

/** Bytes at the start of every payload: publisher index, sequence number, send time. */
export const PAYLOAD_HEADER = 16;

/** Writes the payload header: publisher index (u32), sequence (u32), send time in ns (u64). */
export function writePayloadHeader(buf: Buffer, offset: number, pub: number, seq: number, sentNs: bigint): void {
  buf.writeUInt32BE(pub, offset);
  buf.writeUInt32BE(seq, offset + 4);
  buf.writeBigUInt64BE(sentNs, offset + 8);
}

/** Tracks which sequence numbers of one publisher one subscriber has seen, in a growing bitset. */
export class SequenceTracker {
  #seen = new Uint8Array(1024);
  #max = -1;
  /** Distinct sequence numbers received. */
  unique = 0;
  /** Messages received a second time. */
  duplicates = 0;
  /** Messages that arrived after a higher sequence number of the same publisher. */
  reordered = 0;

  /** Records one received sequence number. */
  record(seq: number): void {
    const byte = seq >>> 3;
    const bit = 1 << (seq & 7);
    if (byte >= this.#seen.length) {
      let size = this.#seen.length * 2;
      while (size <= byte) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#seen);
      this.#seen = next;
    }
    const cur = this.#seen[byte]!;
    if ((cur & bit) !== 0) {
      this.duplicates++;
      return;
    }
    this.#seen[byte] = cur | bit;
    this.unique++;
    if (seq < this.#max) this.reordered++;
    else this.#max = seq;
  }
}

/** Totals of a run's verification, summed over every (subscriber, publisher) track. */
export interface Verification {
  /** Deliveries that should have arrived: sum over tracks of what the publisher sent. */
  expected: number;
  /** Deliveries that arrived, duplicates included. */
  received: number;
  lost: number;
  duplicates: number;
  reordered: number;
  /** Messages from a publisher the subscriber should not hear from, or with a malformed payload. */
  unexpected: number;
  /** Protocol problems seen (refused CONNACK/SUBACK, failed acks, unknown packet ids, closed sockets). */
  errors: string[];
}

/** An empty verification to add tracks into. */
export function createVerification(): Verification {
  return { expected: 0, received: 0, lost: 0, duplicates: 0, reordered: 0, unexpected: 0, errors: [] };
}

/** Adds b into a (errors are concatenated, keeping at most 20). */
export function mergeVerification(a: Verification, b: Verification): Verification {
  a.expected += b.expected;
  a.received += b.received;
  a.lost += b.lost;
  a.duplicates += b.duplicates;
  a.reordered += b.reordered;
  a.unexpected += b.unexpected;
  for (const e of b.errors) if (a.errors.length < 20) a.errors.push(e);
  return a;
}

/**
 * Turns a verification into a verdict: `ok`, or a list of what was wrong.
 * Order only counts against QoS >= 1, where the broker must keep it per publisher [MQTT-4.6.0-5].
 */
export function verdictOf(v: Verification, qos: number): string {
  const wrong: string[] = [];
  if (v.lost > 0) wrong.push(`lost ${v.lost} of ${v.expected}`);
  if (v.duplicates > 0) wrong.push(`${v.duplicates} duplicates`);
  if (v.reordered > 0 && qos >= 1) wrong.push(`${v.reordered} out of order`);
  if (v.unexpected > 0) wrong.push(`${v.unexpected} unexpected`);
  for (const e of v.errors) wrong.push(e);
  return wrong.length === 0 ? 'ok' : wrong.join('; ');
}
