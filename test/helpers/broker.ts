// Starts a Broker on 127.0.0.1 port 0 for a test, and MQTT.js clients connected to it.
import mqtt from 'mqtt';
import type { MqttClient, IClientOptions } from 'mqtt';
import { Broker } from '../../src/index.js';
import type { BrokerOptions } from '../../src/index.js';
import { TcpListener } from '../../src/listeners/tcp-listener.js';

/** A running broker and the port it listens on. */
export interface TestBroker {
  broker: Broker;
  port: number;
  close(): Promise<void>;
}

/** Starts a broker with one TCP listener on an ephemeral port; `setup` runs before serve() (e.g. setPersistence). */
export async function startBroker(options: BrokerOptions = {}, setup?: (broker: Broker) => void): Promise<TestBroker> {
  const broker = new Broker({ sweepInterval: 100, ...options });
  setup?.(broker);
  const listener = new TcpListener({ id: 'tcp', host: '127.0.0.1', port: 0 });
  await broker.addListener(listener);
  await broker.serve();
  const address = listener.address();
  if (address === undefined || !('port' in address)) throw new Error('listener has no port');
  return { broker, port: address.port, close: () => broker.close(200) };
}

/** Connects an MQTT.js client and waits for CONNACK. */
export async function connectClient(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect({ host: '127.0.0.1', port, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Ends an MQTT.js client (forced) and waits for it. */
export async function endClient(client: MqttClient): Promise<void> {
  await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
}

/** Collects messages received by an MQTT.js client. */
export function collect(client: MqttClient): { topic: string; payload: Buffer; packet: mqtt.IPublishPacket }[] {
  const got: { topic: string; payload: Buffer; packet: mqtt.IPublishPacket }[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload, packet }));
  return got;
}

/** Waits until `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
