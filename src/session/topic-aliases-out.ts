// Outbound topic aliases for one 5.0 connection: the broker names topics it sends with small integers.

/**
 * Assigns aliases 1..maximum to topics as they are sent. When all are taken, the oldest assignment
 * is replaced (FIFO over alias numbers): cheap, bounded, and fair to topics that keep recurring.
 */
export class TopicAliasesOut {
  readonly maximum: number;
  readonly #byTopic = new Map<string, number>();
  readonly #byAlias: (string | undefined)[];
  #next = 1;

  constructor(maximum: number) {
    this.maximum = maximum;
    this.#byAlias = new Array<string | undefined>(maximum + 1);
  }

  /**
   * The alias for `topic`: `existing` true when the client already knows it (send an empty topic name),
   * false when it is newly assigned (send topic and alias) [MQTT-3.3.2-12].
   */
  aliasFor(topic: string): { alias: number; existing: boolean } {
    const known = this.#byTopic.get(topic);
    if (known !== undefined) return { alias: known, existing: true };
    const alias = this.#next;
    this.#next = alias === this.maximum ? 1 : alias + 1;
    const old = this.#byAlias[alias];
    if (old !== undefined) this.#byTopic.delete(old);
    this.#byAlias[alias] = topic;
    this.#byTopic.set(topic, alias);
    return { alias, existing: false };
  }
}
