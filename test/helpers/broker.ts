// Starts a Broker on 127.0.0.1 port 0 for a test, and MQTT.js clients connected to it.
// With SWIFTLET_TEST_CLUSTER=1 a "broker" is two nodes of a cluster and clients are spread over them (cluster-mode.ts).
import mqtt from 'mqtt';
import type { MqttClient, IClientOptions } from 'mqtt';
import { Broker } from '../../src/index.js';
import type { BrokerOptions } from '../../src/index.js';
import { TcpListener } from '../../src/listeners/tcp-listener.js';
import { clusterMode, clusterRedisUrl, nextClusterPrefix, nodePort, registerCluster, unregisterCluster } from './cluster-mode.js';

/** A running broker and the port it listens on. */
export interface TestBroker {
  /** The broker (in cluster mode: the first node). */
  broker: Broker;
  /** Its port (in cluster mode: the first node's; the connect helpers spread clients over the nodes from it). */
  port: number;
  /** Every node: the broker alone, or both nodes in cluster mode. */
  nodes: Broker[];
  close(): Promise<void>;
}

/** Starts a broker with one TCP listener on an ephemeral port; `setup` runs before serve() (e.g. setPersistence). */
export async function startBroker(options: BrokerOptions = {}, setup?: (broker: Broker) => void): Promise<TestBroker> {
  if (clusterMode && options.cluster === undefined) return startCluster(options, setup);
  const { broker, port } = await startNode({ sweepInterval: 100, ...options }, setup);
  return { broker, port, nodes: [broker], close: () => broker.close(200) };
}

async function startNode(options: BrokerOptions, setup?: (broker: Broker) => void): Promise<{ broker: Broker; port: number }> {
  const broker = new Broker(options);
  setup?.(broker);
  const listener = new TcpListener({ id: 'tcp', host: '127.0.0.1', port: 0 });
  await broker.addListener(listener);
  await broker.serve();
  const address = listener.address();
  if (address === undefined || !('port' in address)) throw new Error('listener has no port');
  return { broker, port: address.port };
}

// Two nodes with the test's options on one Redis. The second node keeps the default in-memory persistence: a
// persistence instance belongs to one broker, and a test's persistent clients stay on the node they first used.
async function startCluster(options: BrokerOptions, setup?: (broker: Broker) => void): Promise<TestBroker> {
  const cluster = { redis: await clusterRedisUrl(), prefix: nextClusterPrefix() };
  const base: BrokerOptions = { sweepInterval: 100, ...options, cluster };
  const a = await startNode(base, setup);
  const secondSetup = setup === undefined ? undefined : (broker: Broker): void => setup(withoutPersistence(broker));
  const b = await startNode({ ...base, id: options.id === undefined ? undefined : `${options.id}-b` }, secondSetup);
  registerCluster([a.port, b.port]);
  clusterView(a.broker, b.broker, () => unregisterCluster(a.port));
  return { broker: a.broker, port: a.port, nodes: [a.broker, b.broker], close: () => a.broker.close(200) };
}

// What a test asks "the broker" about one client is answered by the node the client is on; hooks added to it and
// closing it apply to the whole test cluster. Everything else (publish, subscribe, stats, retained) stays the first
// node's own.
function clusterView(first: Broker, second: Broker, closed: () => void): void {
  const own = {
    client: first.client.bind(first),
    clients: first.clients.bind(first),
    disconnectClient: first.disconnectClient.bind(first),
    inject: first.inject.bind(first),
    addHook: first.addHook.bind(first),
    removeHook: first.removeHook.bind(first),
    close: first.close.bind(first),
  };
  const holder = (clientId: string): Broker => {
    const here = own.client(clientId);
    if (here?.connected === true) return first;
    const there = second.client(clientId);
    return there !== undefined && (there.connected || here === undefined) ? second : first;
  };
  first.client = (clientId) => (holder(clientId) === first ? own.client(clientId) : second.client(clientId));
  first.clients = () => [...own.clients(), ...second.clients()];
  first.disconnectClient = (...args) => (holder(args[0]) === first ? own.disconnectClient(...args) : second.disconnectClient(...args));
  first.inject = (...args) => (holder(args[0]) === first ? own.inject(...args) : second.inject(...args));
  // A hook added to "the broker" is added to every node.
  first.addHook = async (...args) => {
    await own.addHook(...args);
    await second.addHook(...args);
  };
  first.removeHook = async (...args) => {
    const removed = await own.removeHook(...args);
    await second.removeHook(...args);
    return removed;
  };
  first.close = async (graceMs?: number): Promise<void> => {
    closed();
    await Promise.all([own.close(graceMs), second.close(graceMs)]);
  };
}

function withoutPersistence(broker: Broker): Broker {
  return new Proxy(broker, {
    get(target, key) {
      if (key === 'setPersistence') return () => target;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Connects an MQTT.js client and waits for CONNACK. */
export async function connectClient(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const clientId = options.clientId ?? `mqttjs_${Math.random().toString(16).slice(2, 10)}`;
  const client = mqtt.connect({ host: '127.0.0.1', port: nodePort(port, clientId), protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...options, clientId });
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
