// What a session owes its client: deliveries waiting to be sent, and QoS 1/2 messages in flight.
import type { QoS } from '../codec/types.js';
import type { Message } from '../routing/message.js';
import type { SharedGroup } from '../topics/subscription-trie.js';
import type { Subscription } from './subscription.js';
import type { PublishAck } from '../persistence/journal.js';

/** One message on its way to one session: the record the router hands to delivery, queued as it is. */
export interface Outgoing {
  readonly message: Message;
  /** QoS it is delivered at: min(published, granted) [MQTT-3.8.4-8]. */
  readonly qos: QoS;
  /** Retain flag to send (kept only with Retain As Published, or for retained messages sent on subscribe). */
  readonly retain: boolean;
  /** Subscription identifiers of every matching subscription [MQTT-3.3.4-3]. */
  readonly subscriptionIds: number[] | undefined;
  /** The shared subscription group it was picked through, so it can move to another member if this session ends. */
  readonly group: SharedGroup<Subscription> | undefined;
  /** Sent from the retained store on subscribe: waits for a congested socket and is exempt from the queue bound. */
  readonly retainedBurst: boolean;
  /** Its number in the journal once recorded for a persistent session (DeliveryRecord.seq); 0 = not recorded. */
  seq: number;
  /** The publisher's acknowledgement waiting for this delivery to be committed or completed; null when none. */
  pending: PublishAck | null;
  /**
   * Its packet id once sent at QoS 1/2 (0 before). A delivery sent at QoS 1/2 becomes its own InflightEntry, so
   * creators set 0 here and false below: no second object per message, and one object shape for both.
   */
  packetId: number;
  /** In flight at QoS 2: false while waiting for PUBACK/PUBREC; true once PUBREL was sent, waiting for PUBCOMP. */
  released: boolean;
}

/** An outbound QoS 1/2 PUBLISH awaiting its acknowledgement (the Outgoing it was sent as). */
export interface InflightEntry extends Outgoing {
  readonly qos: 1 | 2;
}

/** The broker-wide counter the in-flight windows keep in step (BrokerStats). */
export interface InflightCounter {
  inflight: number;
}

/** Deliveries waiting for the client to connect or for room in the in-flight window, oldest first. */
export class DeliveryQueue {
  // A head index instead of shift(): O(1) dequeue; compacted when the head passes half.
  #items: Outgoing[] = [];
  #head = 0;
  #bytes = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Payload bytes of the deliveries waiting (the measure of maximumQueuedBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a delivery; the caller checks the bound. */
  push(out: Outgoing): void {
    this.#items.push(out);
    this.#bytes += out.message.payload.length;
  }

  /** The oldest delivery, left in place. */
  peek(): Outgoing | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  /** The newest delivery. */
  last(): Outgoing | undefined {
    return this.#head < this.#items.length ? this.#items[this.#items.length - 1] : undefined;
  }

  /** Takes the oldest delivery. */
  shift(): Outgoing | undefined {
    const items = this.#items;
    if (this.#head >= items.length) return undefined;
    const out = items[this.#head];
    items[this.#head] = undefined as unknown as Outgoing;
    this.#head++;
    this.#bytes -= out!.message.payload.length;
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Removes and returns the deliveries `take` selects, keeping the order of the rest. */
  extract(take: (out: Outgoing) => boolean): Outgoing[] {
    const taken: Outgoing[] = [];
    if (this.size === 0) return taken;
    const kept: Outgoing[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const out = this.#items[i]!;
      if (take(out)) {
        taken.push(out);
        this.#bytes -= out.message.payload.length;
      } else {
        kept.push(out);
      }
    }
    this.#items = kept;
    this.#head = 0;
    return taken;
  }

  /** Drops everything; returns how many there were. */
  clear(): number {
    const n = this.size;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<Outgoing> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }
}

/** Outbound QoS 1/2 messages by packet id, in send order; keeps the broker-wide in-flight count. */
export class InflightWindow {
  readonly #counter: InflightCounter;
  // Created on first use: most sessions never have anything in flight, and idle clients are many.
  #entries: Map<number, InflightEntry> | null = null;

  constructor(counter: InflightCounter) {
    this.#counter = counter;
  }

  get size(): number {
    return this.#entries === null ? 0 : this.#entries.size;
  }

  get(packetId: number): InflightEntry | undefined {
    return this.#entries?.get(packetId);
  }

  has(packetId: number): boolean {
    return this.#entries !== null && this.#entries.has(packetId);
  }

  /** In send order (a Map keeps insertion order), which is the order of re-delivery on resume. */
  values(): IterableIterator<InflightEntry> {
    return (this.#entries ?? EMPTY).values();
  }

  add(entry: InflightEntry): void {
    const entries = (this.#entries ??= new Map());
    if (!entries.has(entry.packetId)) this.#counter.inflight++;
    entries.set(entry.packetId, entry);
  }

  /** Removes an entry; returns it, or undefined when the id was not in flight. */
  delete(packetId: number): InflightEntry | undefined {
    const entry = this.#entries?.get(packetId);
    if (entry === undefined) return undefined;
    this.#entries!.delete(packetId);
    this.#counter.inflight--;
    return entry;
  }

  clear(): void {
    if (this.#entries === null) return;
    this.#counter.inflight -= this.#entries.size;
    this.#entries = null;
  }
}

const EMPTY = new Map<number, InflightEntry>();
