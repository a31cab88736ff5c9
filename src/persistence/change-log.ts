// The changes a journaling Persistence has recorded and not yet committed. A batch that failed to commit goes back
// in front of what came after it, so the next commit replays it: every change is idempotent (a put or a delete by
// key), so replaying a batch that storage had in fact applied leaves the same result.
import type { DeliveryRecord, MessageRecord, SessionRecord, SubscriptionRecord } from './persistence.js';

/** One recorded change. */
export type Change =
  | { readonly kind: 'session'; readonly record: SessionRecord }
  | { readonly kind: 'delete-session'; readonly clientId: string }
  | { readonly kind: 'subscription'; readonly record: SubscriptionRecord }
  | { readonly kind: 'delete-subscription'; readonly clientId: string; readonly topicFilter: string }
  | { readonly kind: 'retained'; readonly record: MessageRecord }
  | { readonly kind: 'delete-retained'; readonly topic: string }
  | { readonly kind: 'delivery'; readonly record: DeliveryRecord }
  | { readonly kind: 'delivery-state'; readonly clientId: string; readonly seq: number; readonly packetId: number; readonly released: boolean }
  | { readonly kind: 'delete-delivery'; readonly clientId: string; readonly seq: number }
  | { readonly kind: 'hold-inbound'; readonly clientId: string; readonly packetId: number }
  | { readonly kind: 'release-inbound'; readonly clientId: string; readonly packetId: number };

/**
 * Changes waiting for a commit, in the order they were made. A delivery saved and deleted before the commit (sent and
 * acknowledged within one batch, the usual case for a connected subscriber) cancels out: neither is written.
 */
export class ChangeLog {
  #changes: (Change | null)[] = [];
  // Position of each delivery saved in this log, and of state changes made to it, by seq (seq numbers are
  // node-wide; #savedFor checks the client too).
  #saved = new Map<number, number>();
  #states: Map<number, number[]> | null = null;
  #size = 0;

  /** Number of changes waiting. */
  get size(): number {
    return this.#size;
  }

  add(change: Change): void {
    if (change.kind === 'delivery') {
      this.#saved.set(change.record.seq, this.#changes.length);
    } else if (change.kind === 'delivery-state') {
      if (this.#savedFor(change.seq, change.clientId) !== undefined) {
        const states = (this.#states ??= new Map<number, number[]>());
        const at = states.get(change.seq);
        if (at === undefined) states.set(change.seq, [this.#changes.length]);
        else at.push(this.#changes.length);
      }
    } else if (change.kind === 'delete-delivery') {
      const at = this.#savedFor(change.seq, change.clientId);
      if (at !== undefined) {
        this.#changes[at] = null;
        this.#size--;
        this.#saved.delete(change.seq);
        const states = this.#states?.get(change.seq);
        if (states !== undefined) {
          for (const i of states) this.#changes[i] = null;
          this.#size -= states.length;
          this.#states!.delete(change.seq);
        }
        return;
      }
    }
    this.#changes.push(change);
    this.#size++;
  }

  /**
   * Position of the delivery `seq` of `clientId` saved in this log. Seq numbers are unique per node; a session that
   * moved here from another node of a cluster brings that node's numbers, so the client must match too.
   */
  #savedFor(seq: number, clientId: string): number | undefined {
    const at = this.#saved.get(seq);
    if (at === undefined) return undefined;
    const saved = this.#changes[at];
    return saved?.kind === 'delivery' && saved.record.clientId === clientId ? at : undefined;
  }

  /** Takes every waiting change (the log is empty afterwards). */
  take(): Change[] {
    const taken = this.#changes.filter((c): c is Change => c !== null);
    this.#changes = [];
    this.#saved = new Map();
    this.#states = null;
    this.#size = 0;
    return taken;
  }

  /** Puts a batch that failed to commit back in front of the changes made since. */
  putBack(batch: Change[]): void {
    // Positions recorded for the changes made since shift by the batch's length.
    const shift = batch.length;
    for (const [seq, at] of this.#saved) this.#saved.set(seq, at + shift);
    if (this.#states !== null) for (const at of this.#states.values()) for (let i = 0; i < at.length; i++) at[i]! += shift;
    this.#changes = (batch as (Change | null)[]).concat(this.#changes);
    this.#size += shift;
  }
}
