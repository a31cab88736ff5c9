// The default storage: nothing is kept beyond the broker's own structures, so nothing is recorded and nothing waits.
import { emptyState } from './persistence.js';
import type { PersistedState, Persistence } from './persistence.js';

/** Keeps state in memory only (the broker's own structures): the default. */
export class MemoryPersistence implements Persistence {
  readonly durable = false;
  open(): Promise<PersistedState> {
    return Promise.resolve(emptyState());
  }
  saveSession(): void {}
  deleteSession(): void {}
  saveSubscription(): void {}
  deleteSubscription(): void {}
  saveRetained(): void {}
  deleteRetained(): void {}
  saveDelivery(): void {}
  updateDelivery(): void {}
  deleteDelivery(): void {}
  holdInbound(): void {}
  releaseInbound(): void {}
  commit(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
