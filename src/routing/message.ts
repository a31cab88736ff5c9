// The routed message: what a PUBLISH becomes once accepted, shared by every subscriber it reaches.
import type { Properties, QoS } from '../codec/types.js';
import type { MessageRecord } from '../persistence/persistence.js';

/** A message on its way through the router; immutable apart from the encoding cache. */
export interface Message {
  readonly topic: string;
  /** Payload bytes; copied off the socket chunk when the message outlives the delivery turn. */
  readonly payload: Buffer;
  readonly qos: QoS;
  /** The retain flag as published. */
  readonly retain: boolean;
  /** Properties forwarded to subscribers (never topic alias or subscription identifiers). */
  readonly properties: Properties;
  /** Client id of the publisher (for No Local); null for the inline client and the broker itself. */
  readonly origin: string | null;
  /** Absolute expiry time in ms since the epoch, 0 = never (Message Expiry Interval). */
  readonly expiresAt: number;
  /**
   * Encodings shared by subscribers, by `encodingSlot()`, with packet id 0 and DUP 0.
   * Only used for messages without an expiry, whose bytes do not depend on the time of delivery, and only
   * present while Router.route fans the message out to more than one receiver.
   */
  encoded: (Buffer | undefined)[] | undefined;
  /**
   * The PUBLISH as received, forwarded as is to subscribers whose encoding slot equals `rawSlot`
   * (see handlers/publish.ts); only set while the message is being routed.
   */
  raw: Buffer | undefined;
  rawSlot: number;
}

/** Number of distinct shared encodings of a message: 2 protocol families × 3 QoS × retain flag. */
export const ENCODING_SLOTS = 12;

/** Which shared encoding a subscriber gets: one per (protocol family, QoS, retain flag). */
export function encodingSlot(v5: boolean, qos: QoS, retain: boolean): number {
  return (v5 ? 6 : 0) + qos * 2 + (retain ? 1 : 0);
}

/** Builds a Message. */
export function createMessage(
  topic: string,
  payload: Buffer,
  qos: QoS,
  retain: boolean,
  properties: Properties,
  origin: string | null,
  expiresAt: number,
): Message {
  return { topic, payload, qos, retain, properties, origin, expiresAt, encoded: undefined, raw: undefined, rawSlot: -1 };
}

/** The stored form of a message: its own fields, without the encodings a routed Message carries. */
export function messageRecord(m: Message): MessageRecord {
  return { topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, properties: m.properties, origin: m.origin, expiresAt: m.expiresAt };
}

/** A Message again from its stored form. */
export function messageFromRecord(r: MessageRecord): Message {
  return createMessage(r.topic, r.payload, r.qos, r.retain, r.properties, r.origin, r.expiresAt);
}

/** True when the message has expired at `now` (ms). */
export function isExpired(message: Message, now: number): boolean {
  return message.expiresAt !== 0 && message.expiresAt <= now;
}
