// Writes what persistent sessions still owe their clients (in-flight and queued QoS 1/2 messages, and queued
// QoS 0 when those are kept) through Persistence.saveQueued: when the broker stops, so a graceful restart loses none
// of them, and every `pendingSaveInterval` seconds for the sessions whose pending messages changed, so a crash
// loses at most that interval's worth.
import type { BrokerContext } from '../context.js';
import { messageRecord } from '../routing/message.js';
import type { Message } from '../routing/message.js';
import type { QueuedRecord } from './persistence.js';
import type { Session } from '../session/session.js';

/** What a session's pending messages looked like when last written: enough to tell that they changed. */
interface Fingerprint {
  readonly queued: number;
  readonly head: Message | undefined;
  readonly tail: Message | undefined;
  /** `packetId:released` of every in-flight entry, in order. */
  readonly inflight: string;
}

/** Saves pending messages of persistent sessions, skipping sessions unchanged since their last save. */
export class PendingSaver {
  readonly #ctx: BrokerContext;
  readonly #last = new WeakMap<Session, Fingerprint>();
  /** Clients whose pending messages storage held at start: written at least once, even if empty, to replace them. */
  readonly #stored = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: BrokerContext) {
    this.#ctx = ctx;
  }

  /** Notes that storage holds pending messages of `clientId` from before this start. */
  markStored(clientId: string): void {
    this.#stored.add(clientId);
  }

  /** Saves every `seconds` (0 = only when asked). */
  start(seconds: number): void {
    if (seconds <= 0 || this.#timer !== undefined || !this.#enabled()) return;
    this.#timer = setInterval(() => {
      try {
        this.save();
      } catch (err) {
        this.#ctx.logger.error({ err }, 'saving pending messages failed');
      }
    }, seconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Writes the pending messages of every persistent session that changed; returns how many records were written. */
  save(): number {
    if (!this.#enabled()) return 0;
    const persistence = this.#ctx.persistence;
    let written = 0;
    for (const session of this.#ctx.registry.sessions.values()) {
      // Sessions that end with their connection have nothing to keep; inline subscriptions live in the program.
      if (session.inlineHandler !== null || session.expiryInterval === 0) continue;
      const now = fingerprint(session);
      const last = this.#last.get(session);
      const unchanged = last === undefined ? !this.#stored.has(session.clientId) && isEmpty(now) : sameAs(last, now);
      if (unchanged) continue;
      const records = recordsOf(session);
      persistence.saveQueued!(session.clientId, records);
      this.#last.set(session, now);
      written += records.length;
    }
    return written;
  }

  #enabled(): boolean {
    return this.#ctx.persistence.durable && this.#ctx.persistence.saveQueued !== undefined;
  }
}

function recordsOf(session: Session): QueuedRecord[] {
  const clientId = session.clientId;
  const records: QueuedRecord[] = [];
  for (const e of session.inflight.values()) {
    records.push({ clientId, message: messageRecord(e.message), qos: e.qos, retain: e.retain, subscriptionIds: e.subscriptionIds, packetId: e.packetId, released: e.released });
  }
  for (const d of session.queue) {
    records.push({ clientId, message: messageRecord(d.message), qos: d.qos, retain: d.retain, subscriptionIds: d.subscriptionIds });
  }
  return records;
}

function fingerprint(session: Session): Fingerprint {
  let inflight = '';
  for (const e of session.inflight.values()) inflight += `${e.packetId}:${e.released ? 1 : 0},`;
  return {
    queued: session.queue.size,
    head: session.queue.peek()?.message,
    tail: session.queue.last()?.message,
    inflight,
  };
}

function isEmpty(f: Fingerprint): boolean {
  return f.queued === 0 && f.inflight === '';
}

function sameAs(a: Fingerprint, b: Fingerprint): boolean {
  return a.queued === b.queued && a.head === b.head && a.tail === b.tail && a.inflight === b.inflight;
}
