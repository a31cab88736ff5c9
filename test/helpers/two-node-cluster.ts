// Two in-process brokers joined through one real redis-server, for the cluster tests.
import type { MqttClient } from 'mqtt';
import { startBroker, connectClient, endClient } from './broker.js';
import type { TestBroker } from './broker.js';
import { startRedisServer } from './redis-server.js';
import type { RedisServer, RedisServerOptions } from './redis-server.js';

export interface TwoNodes {
  redis: RedisServer;
  a: TestBroker;
  b: TestBroker;
}

/** Starts a fresh redis-server and nodes `<name>-a` and `<name>-b` on it, with key prefix `prefix`. */
export async function startTwoNodes(name: string, prefix: string, redisOptions: RedisServerOptions = {}): Promise<TwoNodes> {
  const redis = await startRedisServer(redisOptions);
  const a = await startBroker({ id: `${name}-a`, sysInterval: 0, cluster: { redis: redis.url, prefix } });
  const b = await startBroker({ id: `${name}-b`, sysInterval: 0, cluster: { redis: redis.url, prefix } });
  return { redis, a, b };
}

/** Ends `clients`, then both nodes, then the redis-server. */
export async function stopTwoNodes(nodes: TwoNodes, clients: MqttClient[]): Promise<void> {
  await Promise.all(clients.splice(0).map(endClient));
  await nodes.a.close();
  await nodes.b.close();
  await nodes.redis.destroy();
}

/** An MQTT.js client on `port`, added to `clients` so that stopTwoNodes ends it. */
export async function trackedClient(clients: MqttClient[], port: number, options: Parameters<typeof connectClient>[1] = {}): Promise<MqttClient> {
  const c = await connectClient(port, options);
  clients.push(c);
  return c;
}
