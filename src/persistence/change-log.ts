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

/** Changes waiting for a commit, in the order they were made. */
export class ChangeLog {
  #changes: Change[] = [];

  /** Number of changes waiting. */
  get size(): number {
    return this.#changes.length;
  }

  add(change: Change): void {
    this.#changes.push(change);
  }

  /** Takes every waiting change (the log is empty afterwards). */
  take(): Change[] {
    const taken = this.#changes;
    this.#changes = [];
    return taken;
  }

  /** Puts a batch that failed to commit back in front of the changes made since. */
  putBack(batch: Change[]): void {
    this.#changes = this.#changes.length === 0 ? batch : batch.concat(this.#changes);
  }
}

