// The cluster Bus seam: how brokers on several machines exchange messages. Single-node mode uses NoopBus.

/** A message as it travels between nodes. */
export interface BusEnvelope {
  /** Id of the node that published it; a node drops its own echoes. */
  readonly origin: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  /** MQTT 5 properties as JSON-safe values (Buffers base64). */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Publisher client id (for No Local), '' for the broker itself. */
  readonly publisher: string;
  /** Absolute expiry in ms since the epoch, 0 = never. */
  readonly expiresAt: number;
}

/** Connects a broker to its peers. The router hands it local publishes and receives remote ones. */
export interface Bus {
  /** False for the no-op bus: the router skips it entirely on the hot path. */
  readonly active: boolean;
  start(nodeId: string, onMessage: (envelope: BusEnvelope) => void): Promise<void>;
  publish(envelope: BusEnvelope): void;
  stop(): Promise<void>;
}

/** The single-node bus: nothing leaves the process. */
export class NoopBus implements Bus {
  readonly active = false;
  start(): Promise<void> {
    return Promise.resolve();
  }
  publish(): void {
    // Single node: there is nobody to tell.
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
