// State a hook keeps for each connection (a client's ACL, a token's expiry timer), keyed so a takeover cannot mix them up.
import type { ClientInfo } from '../hook.js';

/**
 * What tells two connections with the same client id apart. ClientInfo objects are copied on the way through
 * the broker (a user name override makes a new one), so identity cannot be used; the listener, the peer's
 * address and port and the accept time stay the same for one connection and differ for the next one.
 */
function connectionKey(client: ClientInfo): string {
  return `${client.listenerId}\u0000${client.remoteAddress}\u0000${client.remotePort}\u0000${client.connectedAt}`;
}

/**
 * A map client id → value of the connection that set it. A value set for a connection that has since been
 * taken over by a new one with the same client id is neither returned to nor removed by the old connection.
 */
export class PerConnection<V> {
  readonly #entries = new Map<string, { key: string; value: V }>();

  /** Sets the value of this connection; returns the value it replaced (of an older connection), if any. */
  set(client: ClientInfo, value: V): V | undefined {
    const previous = this.#entries.get(client.id);
    this.#entries.set(client.id, { key: connectionKey(client), value });
    return previous?.value;
  }

  /** The value of this very connection, or undefined. */
  get(client: ClientInfo): V | undefined {
    const entry = this.#entries.get(client.id);
    return entry !== undefined && entry.key === connectionKey(client) ? entry.value : undefined;
  }

  /** Removes and returns the value held for this client id by another connection than this one. */
  deleteOther(client: ClientInfo): V | undefined {
    const entry = this.#entries.get(client.id);
    if (entry === undefined || entry.key === connectionKey(client)) return undefined;
    this.#entries.delete(client.id);
    return entry.value;
  }

  /** Removes and returns the value of this very connection. */
  delete(client: ClientInfo): V | undefined {
    const entry = this.#entries.get(client.id);
    if (entry === undefined || entry.key !== connectionKey(client)) return undefined;
    this.#entries.delete(client.id);
    return entry.value;
  }

  /** Every value (for cleanup at stop), and empties the map. */
  drain(): V[] {
    const values = [...this.#entries.values()].map((e) => e.value);
    this.#entries.clear();
    return values;
  }

  /** Number of connections with a value. */
  get size(): number {
    return this.#entries.size;
  }
}
