// What the journaling backends (LMDB, Redis) share: every write method records a Change in a ChangeLog; each backend
// only opens, commits a batch of changes its own way, and closes.
import { ChangeLog } from './change-log.js';
import type { DeliveryRecord, MessageRecord, PersistedState, Persistence, SessionRecord, SubscriptionRecord } from './persistence.js';

/** A Persistence whose writes are recorded in a change log and made durable by the subclass's commit(). */
export abstract class JournalingPersistence implements Persistence {
  readonly durable = true;
  /** Changes recorded and not yet committed. */
  protected readonly log = new ChangeLog();

  abstract open(): Promise<PersistedState>;
  abstract commit(): Promise<void>;
  abstract close(): Promise<void>;

  saveSession(record: SessionRecord): void {
    this.log.add({ kind: 'session', record });
  }
  deleteSession(clientId: string): void {
    this.log.add({ kind: 'delete-session', clientId });
  }
  saveSubscription(record: SubscriptionRecord): void {
    this.log.add({ kind: 'subscription', record });
  }
  deleteSubscription(clientId: string, topicFilter: string): void {
    this.log.add({ kind: 'delete-subscription', clientId, topicFilter });
  }
  saveRetained(record: MessageRecord): void {
    this.log.add({ kind: 'retained', record });
  }
  deleteRetained(topic: string): void {
    this.log.add({ kind: 'delete-retained', topic });
  }
  saveDelivery(record: DeliveryRecord): void {
    this.log.add({ kind: 'delivery', record });
  }
  updateDelivery(clientId: string, seq: number, packetId: number, released: boolean): void {
    this.log.add({ kind: 'delivery-state', clientId, seq, packetId, released });
  }
  deleteDelivery(clientId: string, seq: number): void {
    this.log.add({ kind: 'delete-delivery', clientId, seq });
  }
  holdInbound(clientId: string, packetId: number): void {
    this.log.add({ kind: 'hold-inbound', clientId, packetId });
  }
  releaseInbound(clientId: string, packetId: number): void {
    this.log.add({ kind: 'release-inbound', clientId, packetId });
  }
}
