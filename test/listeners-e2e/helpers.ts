// Shared helpers for the listener end-to-end tests: a broker with any listeners, MQTT.js clients on any transport, round trips.
import type { Duplex } from 'node:stream';
import mqtt from 'mqtt';
import type { IClientOptions, IClientPublishOptions, MqttClient } from 'mqtt';
import { Broker } from '../../src/index.js';
import type { BrokerOptions, ClientInfo, ConnectAuth, Decision, Hook, Listener } from '../../src/index.js';
import { endClient } from '../helpers/broker.js';

export { createTestCertificates } from '../listeners/helpers.js';
export type { TestCertificates } from '../listeners/helpers.js';

/** A started broker; `close()` stops it and every client made through `connect*`. */
export interface E2eBroker {
  readonly broker: Broker;
  /** Clients opened by the helpers below, ended by close(). */
  readonly clients: MqttClient[];
  close(): Promise<void>;
}

/** Starts a broker with the given listeners (and hooks) already bound. */
export async function startBrokerOn(listeners: Listener[], hooks: Hook[] = [], options: BrokerOptions = {}): Promise<E2eBroker> {
  const broker = new Broker({ sweepInterval: 100, sysInterval: 0, ...options });
  for (const hook of hooks) await broker.addHook(hook);
  for (const listener of listeners) await broker.addListener(listener);
  await broker.serve();
  const clients: MqttClient[] = [];
  return {
    broker,
    clients,
    async close() {
      await Promise.all(clients.splice(0).map(endClient));
      await broker.close(200);
    },
  };
}

const BASE: IClientOptions = { reconnectPeriod: 0, connectTimeout: 3000 };

/** Waits for CONNACK on an MQTT.js client; rejects on error or close first (a refused client). */
function connected(client: MqttClient): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      cleanup();
      resolve(client);
    };
    const onError = (err: Error): void => {
      cleanup();
      client.end(true);
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      client.end(true);
      reject(new Error('connection closed before CONNACK'));
    };
    const cleanup = (): void => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

/** Connects MQTT.js to `url` (mqtt://, mqtts://, ws://, wss://) and waits for CONNACK; the client is registered with `owner`. */
export async function connectUrl(owner: E2eBroker, url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { ...BASE, protocolVersion: 4, ...options });
  owner.clients.push(client);
  return connected(client);
}

/** Connects MQTT.js through a stream the test builds (a Unix socket, an in-memory pair, a socket with a PROXY header). */
export async function connectStream(owner: E2eBroker, build: () => Duplex, options: IClientOptions = {}): Promise<MqttClient> {
  const client = new mqtt.MqttClient(build, { ...BASE, protocolVersion: 4, ...options });
  owner.clients.push(client);
  return connected(client);
}

/** Subscribes and waits for SUBACK; fails when the broker refused the filter. */
export async function subscribe(client: MqttClient, filter: string, qos: 0 | 1 | 2 = 1): Promise<void> {
  const granted = await client.subscribeAsync(filter, { qos });
  const first = granted[0];
  if (first === undefined || first.qos >= 0x80) throw new Error(`subscription to ${filter} refused`);
}

/** Resolves with the next message on `topic` that `client` receives; rejects after `timeoutMs`. */
export function nextMessage(client: MqttClient, topic: string, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (t: string, payload: Buffer): void => {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(payload);
    };
    client.on('message', onMessage);
  });
}

/** Publishes `payload` from `publisher` on `topic` and returns what `subscriber` (already subscribed) receives. */
export async function roundTrip(publisher: MqttClient, subscriber: MqttClient, topic: string, payload: Buffer | string, options: IClientPublishOptions = { qos: 1 }): Promise<Buffer> {
  const received = nextMessage(subscriber, topic);
  await publisher.publishAsync(topic, payload, options);
  return received;
}

/** Resolves once `client` is closed by the broker (or already is). */
export async function closedByBroker(client: MqttClient): Promise<void> {
  if (client.disconnected || !client.connected) return;
  await new Promise<void>((resolve) => client.once('close', () => resolve()));
}

/** A hook that records every `authenticate` call and answers with `decide` (allow by default). */
export class RecordingAuth implements Hook {
  readonly id = 'recording-auth';
  readonly calls: { client: ClientInfo; auth: ConnectAuth }[] = [];
  readonly #decide: (client: ClientInfo) => Decision;

  constructor(decide: (client: ClientInfo) => Decision = () => 'allow') {
    this.#decide = decide;
  }

  authenticate(client: ClientInfo, auth: ConnectAuth): Decision {
    this.calls.push({ client, auth });
    return this.#decide(client);
  }

  /** The ClientInfo of the call for `clientId`; throws when there was none. */
  clientFor(clientId: string): ClientInfo {
    const call = this.calls.find((c) => c.auth.clientId === clientId);
    if (call === undefined) throw new Error(`no authenticate call for ${clientId}`);
    return call.client;
  }
}
