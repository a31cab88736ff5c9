// Turning an accepted PUBLISH (from a client, the inline API or a will) into a routed Message.
import type { Properties, QoS } from '../codec/types.js';
import { EMPTY_PROPERTIES } from '../codec/types.js';
import { createMessage } from './message.js';
import type { Message } from './message.js';

/** The parts of a PUBLISH a Message is made of (a PublishPacket is one). */
export interface PublishInput {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
}

/** What the broker decides about every message: the cap on its expiry, and the clock the expiry counts from (a BrokerContext is one). */
export interface MessagePolicy {
  readonly clock: () => number;
  readonly capabilities: { readonly maximumMessageExpiryInterval: number };
}

const DEFAULT_POLICY: MessagePolicy = { clock: Date.now, capabilities: { maximumMessageExpiryInterval: 0 } };

/**
 * Builds the Message for a publish. Properties that belong to one hop (topic alias, subscription
 * identifiers) are stripped (they belong to one connection); the expiry becomes absolute so queued time counts [MQTT-3.3.2-6].
 * The payload is copied when it may outlive this turn (QoS > 0 inflight, retained) and is a view into a larger
 * buffer (a socket chunk), which it would otherwise keep alive whole.
 */
export function messageFromPublish(publish: PublishInput, origin: string | null, copyPayload: boolean, policy: MessagePolicy = DEFAULT_POLICY): Message {
  const { topic, payload, qos, retain } = publish;
  let props = publish.properties;
  if (props !== EMPTY_PROPERTIES && (props.topicAlias !== undefined || props.subscriptionIdentifiers !== undefined)) {
    props = { ...props };
    delete props.topicAlias;
    delete props.subscriptionIdentifiers;
  }
  let expiresAt = 0;
  let expiry = props.messageExpiryInterval;
  const maximumMessageExpiry = policy.capabilities.maximumMessageExpiryInterval;
  if (maximumMessageExpiry > 0 && (expiry === undefined || expiry > maximumMessageExpiry)) expiry = maximumMessageExpiry;
  if (expiry !== undefined) expiresAt = policy.clock() + expiry * 1000;
  const body = copyPayload || ((qos > 0 || retain) && !ownsBacking(payload)) ? Buffer.from(payload) : payload;
  return createMessage(topic, body, qos, retain, props, origin, expiresAt);
}

/**
 * True when `bytes` is (nearly) all of its ArrayBuffer: at most 1 KiB or an eighth of its size more. Keeping such
 * a payload keeps little else alive, so it need not be copied. That is the case of a large PUBLISH that spanned
 * socket reads, whose body the parser copied into an allocation of its own. A view into a socket chunk is not
 * such a buffer. A copy would cost a new ArrayBuffer (a few µs whatever its size) and the copy itself.
 */
export function ownsBacking(bytes: Buffer): boolean {
  return bytes.buffer.byteLength - bytes.length <= 1024 + (bytes.length >> 3);
}
