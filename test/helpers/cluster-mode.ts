// The broker suite's cluster mode (SWIFTLET_TEST_CLUSTER=1, `npm run test:cluster`): every startBroker() starts two
// brokers joined through one real redis-server, and the clients a test connects are spread over the two nodes.
//
// Spreading: each new client id goes to the next node in turn and stays there (a client that reconnects with the same
// id finds its session on the node it left); clients without an id alternate. Tests keep using `tb.port`: it is the
// first node's port, and the connect helpers (connectClient, RawClient) pick the node from it.
import { startRedisServer } from './redis-server.js';
import type { RedisServer } from './redis-server.js';

/** True when the suite runs against a 2-node cluster. */
export const clusterMode = process.env.SWIFTLET_TEST_CLUSTER === '1';

let server: Promise<RedisServer> | undefined;
let brokers = 0;

/** The Redis URL the test process's clusters join (one redis-server per test process, stopped at exit). */
export async function clusterRedisUrl(): Promise<string> {
  server ??= startRedisServer({ durable: false }).then((s) => {
    s.unref();
    process.once('exit', () => s.killNow());
    return s;
  });
  return (await server).url;
}

/** A key prefix of its own for each cluster a test starts, so clusters in one process never see each other. */
export function nextClusterPrefix(): string {
  return `swiftlet-test-${process.pid}-${++brokers}:`;
}

// First node's port → the ports of every node of that cluster.
const clusters = new Map<number, readonly number[]>();
// Client id → index of the node it was first placed on.
const placed = new Map<string, number>();
let turn = 0;

/** Records a cluster's nodes under the port tests know it by (the first node's). */
export function registerCluster(ports: readonly number[]): void {
  clusters.set(ports[0]!, ports);
}

/** Forgets a cluster (closed). */
export function unregisterCluster(port: number): void {
  clusters.delete(port);
}

/** The port a client connects to: `port` itself unless it names a cluster, then its client id's node (or the next). */
export function nodePort(port: number, clientId?: string): number {
  const ports = clusters.get(port);
  if (ports === undefined) return port;
  let index = clientId === undefined || clientId === '' ? undefined : placed.get(clientId);
  if (index === undefined) {
    index = turn++ % ports.length;
    if (clientId !== undefined && clientId !== '') placed.set(clientId, index);
  }
  return ports[index % ports.length]!;
}

/** For a raw client whose socket is already open on `current` (picked before its CONNECT named it): where it belongs. */
export function placeRawClient(port: number, current: number, clientId: string): number {
  const ports = clusters.get(port);
  if (ports === undefined || clientId === '') return current;
  const index = placed.get(clientId);
  if (index === undefined) {
    placed.set(clientId, Math.max(0, ports.indexOf(current)));
    return current;
  }
  return ports[index % ports.length]!;
}
