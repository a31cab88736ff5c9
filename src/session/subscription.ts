// A subscription as the router stores it in the topic trie.
import type { QoS } from '../codec/types.js';
import type { Session } from './session.js';

/** One client's subscription to one filter, with its MQTT 5 options. */
export interface Subscription {
  readonly session: Session;
  /** The filter as the client sent it (with `$share/group/` when shared). */
  readonly topicFilter: string;
  /** The filter matched against topics (without the share prefix). */
  readonly filter: string;
  /** Share group name, or undefined for a normal subscription. */
  readonly group: string | undefined;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  /** Subscription Identifier, 0 when none. */
  readonly identifier: number;
}
