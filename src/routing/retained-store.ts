// The retained store: one message per topic [MQTT-3.3.1-5], with their expiry, the configured limits, the stats, the
// durable copy (recorded in the journal, so acknowledgements wait for its commit) and the retained hook events kept
// together.
//
// Expiry: messages with a Message Expiry Interval also sit in a heap of deadlines. Every read (get, match, the
// limits) and the broker's housekeeping sweep first removes what is due, so an expired message is never delivered,
// listed or counted. With no expiring message the heap is empty and a check is one comparison.
import { PacketType } from '../codec/types.js';
import type { BrokerContext } from '../context.js';
import { RetainedIndex } from '../topics/retained-index.js';
import { isSysTree } from '../topics/validate.js';
import { storedBytes } from '../persistence/journal.js';
import type { MessageRecord } from '../persistence/persistence.js';
import { DeadlineHeap } from './deadline-heap.js';
import { messageRecord } from './message.js';
import type { Message } from './message.js';

/** The capability a refused retained message would have gone past. */
export type RetainedLimit = 'maximumRetainedMessages' | 'maximumRetainedBytes';

/** Retained messages by topic, purged when they expire. */
export class RetainedStore {
  readonly #ctx: BrokerContext;
  readonly #index = new RetainedIndex<Message>();
  readonly #deadlines = new DeadlineHeap<string>();
  // The broker's own $SYS messages: counted in the stats, never against the limits (they are a fixed set the broker
  // refreshes, and must not crowd out clients' messages).
  #sysMessages = 0;
  #sysBytes = 0;

  constructor(ctx: BrokerContext) {
    this.#ctx = ctx;
  }

  /** Number of stored topics, expired ones not purged yet included (a cheap "is there anything" test). */
  get size(): number {
    return this.#index.size;
  }

  /** The live retained message of `topic`; an expired one is purged and not returned. */
  get(topic: string, now = this.#ctx.clock()): Message | undefined {
    const message = this.#index.get(topic);
    if (message === undefined || message.expiresAt === 0 || message.expiresAt > now) return message;
    this.purgeExpired(now);
    return undefined;
  }

  /** Pushes every live retained message whose topic matches `filter` into `out`, after purging expired ones. */
  match(filter: string, out: Message[], now = this.#ctx.clock()): void {
    if (this.#deadlines.earliest() <= now) this.purgeExpired(now);
    this.#index.match(filter, out);
  }

  /**
   * Stores, replaces or (empty payload) clears the retained message of a topic [MQTT-3.3.1-5] [MQTT-3.3.1-6]
   * [MQTT-3.3.1-7]. A new message past `maximumRetainedMessages` or `maximumRetainedBytes` is not stored (and the
   * one it would replace stays): see quotaExceeded. `$SYS` messages are never written to durable storage.
   */
  store(message: Message): boolean {
    const ctx = this.#ctx;
    const topic = message.topic;
    if (message.payload.length === 0) {
      const removed = this.#remove(topic);
      if (removed !== undefined) {
        if (ctx.journal.enabled && !isSysTree(topic)) ctx.journal.deleteRetained(messageRecord(removed));
        if (ctx.hooks.onRetainedCleared !== null) ctx.hooks.notify('onRetainedCleared', topic);
      }
      return removed !== undefined;
    }
    // ![MQTT-3.3.1-5] a retained limit the operator set (none by default) may refuse to store it; 5.0 QoS 1/2
    // publishers are told with 0x97 before it is routed (handlers/publish.ts), others only through the log.
    if (this.quotaExceeded(topic, message.payload.length, message.origin, 'routed, not retained') !== undefined) return false;
    const journal = ctx.journal;
    let record: MessageRecord | undefined;
    let previous: MessageRecord | undefined;
    if (journal.enabled && !isSysTree(topic)) {
      record = messageRecord(message);
      const old = this.#index.get(topic);
      previous = old === undefined ? undefined : messageRecord(old);
      const growth = storedBytes(record) - (previous === undefined ? 0 : storedBytes(previous));
      if (growth > 0 && journal.wouldExceed(growth)) {
        // Over the storage cap (maximumStoredBytes): not retained, and the publisher is refused with 0x97.
        journal.quotaHit = true;
        ctx.logger.warn({ topic, client: message.origin ?? undefined }, 'storage size cap reached; message not retained');
        return false;
      }
    }
    this.#put(message);
    // Recorded in the journal: a publisher's acknowledgement waits for its commit (docs/persistence.md).
    if (record !== undefined) journal.saveRetained(record, previous);
    if (ctx.hooks.onRetainedStored !== null) {
      ctx.hooks.notify('onRetainedStored', {
        type: PacketType.PUBLISH,
        dup: false,
        qos: message.qos,
        retain: true,
        topic,
        packetId: 0,
        payload: message.payload,
        properties: message.properties,
      });
    }
    return true;
  }


  /** Puts back a message restored from durable storage: no write back, no hook. */
  restore(message: Message): void {
    this.#put(message);
  }

  /**
   * Checks whether a retained message of `payloadLength` bytes on `topic` fits under `maximumRetainedMessages` (a
   * new topic when the store is full) and `maximumRetainedBytes` (the stored payload bytes after it replaced the
   * topic's current message). Expired messages are purged first so they never count; `$SYS` messages never count.
   * When it does not fit, logs a warning saying what happens (`outcome`), counts it and returns the limit.
   */
  quotaExceeded(topic: string, payloadLength: number, origin: string | null, outcome: string): RetainedLimit | undefined {
    let limit = this.#overLimit(topic, payloadLength);
    if (limit === undefined) return undefined;
    const now = this.#ctx.clock();
    if (this.#deadlines.earliest() <= now) {
      this.purgeExpired(now);
      limit = this.#overLimit(topic, payloadLength);
      if (limit === undefined) return undefined;
    }
    const ctx = this.#ctx;
    ctx.stats.retainedRefused++;
    ctx.logger.warn({ topic, client: origin ?? undefined, limit, value: ctx.capabilities[limit], bytes: payloadLength }, `retained message limit reached: ${outcome}`);
    return limit;
  }

  /**
   * Removes every retained message whose expiry is at or before `now` (5.0 Message Expiry Interval; [MQTT-3.3.2-5]
   * for every future subscriber): from the store, the stats and durable storage, firing onRetainedExpired for each.
   * Returns how many. Costs one comparison when none is due.
   */
  purgeExpired(now = this.#ctx.clock()): number {
    const ctx = this.#ctx;
    let purged = 0;
    for (let topic = this.#deadlines.popDue(now); topic !== undefined; topic = this.#deadlines.popDue(now)) {
      const removed = this.#index.delete(topic);
      if (removed === undefined) continue;
      this.#account(removed, -1);
      purged++;
      if (ctx.journal.enabled && !isSysTree(topic)) ctx.journal.deleteRetained(messageRecord(removed));
      if (ctx.hooks.onRetainedExpired !== null) ctx.hooks.notify('onRetainedExpired', topic);
    }
    return purged;
  }

  #overLimit(topic: string, payloadLength: number): RetainedLimit | undefined {
    const caps = this.#ctx.capabilities;
    const maxMessages = caps.maximumRetainedMessages;
    const maxBytes = caps.maximumRetainedBytes;
    if ((maxMessages === 0 && maxBytes === 0) || payloadLength === 0 || isSysTree(topic)) return undefined;
    const stats = this.#ctx.stats;
    const previous = this.#index.get(topic);
    if (previous === undefined && maxMessages > 0 && stats.retainedMessages - this.#sysMessages >= maxMessages) return 'maximumRetainedMessages';
    if (maxBytes > 0 && stats.retainedBytes - this.#sysBytes - (previous?.payload.length ?? 0) + payloadLength > maxBytes) return 'maximumRetainedBytes';
    return undefined;
  }

  #put(message: Message): void {
    const topic = message.topic;
    const previous = this.#index.set(topic, message);
    if (previous !== undefined) this.#account(previous, -1);
    this.#account(message, 1);
    if (message.expiresAt !== 0) this.#deadlines.set(topic, message.expiresAt);
    else if (previous !== undefined && previous.expiresAt !== 0) this.#deadlines.delete(topic);
  }

  #remove(topic: string): Message | undefined {
    const removed = this.#index.delete(topic);
    if (removed === undefined) return undefined;
    this.#account(removed, -1);
    if (removed.expiresAt !== 0) this.#deadlines.delete(topic);
    return removed;
  }

  /** Adds (`sign` 1) or takes away (-1) a message from the counts. */
  #account(message: Message, sign: 1 | -1): void {
    const stats = this.#ctx.stats;
    const bytes = message.payload.length;
    stats.retainedMessages += sign;
    stats.retainedBytes += sign * bytes;
    if (isSysTree(message.topic)) {
      this.#sysMessages += sign;
      this.#sysBytes += sign * bytes;
    }
  }
}
