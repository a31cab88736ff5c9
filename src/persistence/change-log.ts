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
  /** Positions of the changes of each delivery saved in this log (key `clientId NUL seq`). */
  #deliveries = new Map<string, number[]>();
  #size = 0;

  /** Number of changes waiting. */
  get size(): number {
    return this.#size;
  }

  add(change: Change): void {
    if (change.kind === 'delivery') {
      this.#deliveries.set(deliveryKey(change.record.clientId, change.record.seq), [this.#changes.length]);
    } else if (change.kind === 'delivery-state') {
      this.#deliveries.get(deliveryKey(change.clientId, change.seq))?.push(this.#changes.length);
    } else if (change.kind === 'delete-delivery') {
      const key = deliveryKey(change.clientId, change.seq);
      const at = this.#deliveries.get(key);
      if (at !== undefined) {
        for (const i of at) this.#changes[i] = null;
        this.#size -= at.length;
        this.#deliveries.delete(key);
        return;
      }
    }
    this.#changes.push(change);
    this.#size++;
  }

  /** Takes every waiting change (the log is empty afterwards). */
  take(): Change[] {
    const taken = this.#changes.filter((c): c is Change => c !== null);
    this.#changes = [];
    this.#deliveries = new Map();
    this.#size = 0;
    return taken;
  }

  /** Puts a batch that failed to commit back in front of the changes made since. */
  putBack(batch: Change[]): void {
    // Positions recorded for the changes made since shift by the batch's length.
    const shift = batch.length;
    for (const at of this.#deliveries.values()) for (let i = 0; i < at.length; i++) at[i]! += shift;
    this.#changes = (batch as (Change | null)[]).concat(this.#changes);
    this.#size += shift;
  }
}

function deliveryKey(clientId: string, seq: number): string {
  return `${clientId}\u0000${seq}`;
}
