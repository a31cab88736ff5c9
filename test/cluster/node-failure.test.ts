// A cluster node killed with SIGKILL (a `swiftlet --cluster` child process) while it holds persistent sessions: a live
// node adopts them, routes what waited in the dead node's inbox, and the clients resume there with every QoS 1 message
// whose publisher was acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { startBroker, connectClient, endClient, collect, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { run, mqttPort } from '../helpers/cli-process.js';
import type { Running } from '../helpers/cli-process.js';
import { freePort } from '../helpers/ports.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { RawClient } from '../helpers/raw-client.js';
import type { RedisServer } from '../helpers/redis-server.js';

interface Cluster {
  redis: RedisServer;
  /** The node that is killed: a child process. */
  doomed: Running;
  doomedPort: number;
  /** The node that lives on: in this process. */
  survivor: TestBroker;
  clients: MqttClient[];
}

async function startCluster(): Promise<Cluster> {
  const redis = await startRedisServer();
  const port = await freePort();
  const doomed = run(['--port', String(port), '--cluster', redis.url, '--log-level', 'warn']);
  // Starting the command (TypeScript loaded on the fly) takes long on a busy machine.
  const doomedPort = await mqttPort(doomed, 120_000);
  const survivor = await startBroker({ id: 'survivor', sysInterval: 0, cluster: { redis: redis.url } });
  return { redis, doomed, doomedPort, survivor, clients: [] };
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(c.clients.map(endClient));
  if (c.doomed.child.exitCode === null && c.doomed.child.signalCode === null) c.doomed.child.kill('SIGKILL');
  await c.survivor.close();
  await c.redis.destroy();
}

/** Connects with a listener attached before CONNACK (what a resumed session is owed follows it at once). */
async function connectListening(port: number, options: mqtt.IClientOptions): Promise<{ client: MqttClient; sessionPresent: boolean; got: ReturnType<typeof collect> }> {
  const client = mqtt.connect({ host: '127.0.0.1', port, reconnectPeriod: 0, connectTimeout: 10_000, ...options });
  const got = collect(client);
  const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, sessionPresent: connack.sessionPresent, got };
}

/** Subscribes on the doomed node and waits until the survivor routes to it. */
async function subscribeOnDoomed(c: Cluster, clientId: string, filter: string, probe: string): Promise<{ client: MqttClient; got: ReturnType<typeof collect> }> {
  const sub = await connectClient(c.doomedPort, { protocolVersion: 5, clientId, clean: false, properties: { sessionExpiryInterval: 600 } });
  c.clients.push(sub);
  await sub.subscribeAsync(filter, { qos: 1 });
  const got = collect(sub);
  await waitFor(() => {
    c.survivor.broker.publish(probe, 'probe');
    return got.some((m) => m.topic === probe);
  }, 10_000, 'route to the doomed node known on the survivor');
  return { client: sub, got };
}

test('SIGKILL mid-stream: the client resumes on the other node and receives every acknowledged QoS 1 message (duplicates counted, allowed at QoS 1)', { timeout: 300_000 }, async (t) => {
  const c = await startCluster();
  try {
    const id = 'midstream';
    const { got: before } = await subscribeOnDoomed(c, id, 'k/#', 'k/probe');
    const pub = await connectClient(c.survivor.port, { protocolVersion: 5 });
    c.clients.push(pub);
    const acked: number[] = [];
    let killed = false;
    // One publish at a time: each number is acknowledged (PUBACK) or the loop stops.
    for (let i = 0; i < 80; i++) {
      await pub.publishAsync('k/t', String(i), { qos: 1 });
      acked.push(i);
      if (i === 30) {
        c.doomed.child.kill('SIGKILL');
        await c.doomed.exited;
        killed = true;
      }
    }
    assert.ok(killed);
    await waitFor(() => c.survivor.broker.client(id) !== undefined, 30_000, 'the session adopted by the survivor');
    const resumed = await connectListening(c.survivor.port, { protocolVersion: 5, clientId: id, clean: false, properties: { sessionExpiryInterval: 600 } });
    c.clients.push(resumed.client);
    assert.equal(resumed.sessionPresent, true, 'Session Present 1 after the adoption');
    const numbers = (): number[] => [...before, ...resumed.got].filter((m) => m.topic === 'k/t').map((m) => Number(m.payload.toString()));
    await waitFor(() => acked.every((n) => numbers().includes(n)), 20_000, 'every acknowledged message received');
    const seen = numbers();
    t.diagnostic(`${acked.length} acknowledged, ${seen.length} received, ${seen.length - new Set(seen).size} duplicates`);
    assert.deepEqual([...new Set(seen)].sort((x, y) => x - y), acked, 'no acknowledged message lost');
  } finally {
    await stopCluster(c);
  }
});

test('a dead node’s offline queue is adopted: messages queued before the kill and sent to its inbox after it are delivered on the live node', { timeout: 300_000 }, async () => {
  const c = await startCluster();
  try {
    const id = 'offline-queue';
    const { client: sub } = await subscribeOnDoomed(c, id, 'o/#', 'o/probe');
    await endClient(sub);
    const pub = await connectClient(c.survivor.port, { protocolVersion: 5 });
    c.clients.push(pub);
    // Queued in the offline session the doomed node holds.
    for (let i = 0; i < 10; i++) await pub.publishAsync('o/t', String(i), { qos: 1 });
    c.doomed.child.kill('SIGKILL');
    await c.doomed.exited;
    // Before its heartbeat expires the dead node still owns the session and cannot hand it over: 0x88, retry later.
    const early = await RawClient.connect(c.survivor.port, 5);
    const earlyConnack = await early.handshake(id, { clean: false, properties: { sessionExpiryInterval: 600 } });
    early.destroy();
    // (On a machine so busy that the heartbeat expired first, the session was adopted and the CONNACK accepted it.)
    if (earlyConnack.reasonCode === 0) assert.equal(earlyConnack.sessionPresent, true, 'accepted only with the adopted session');
    else assert.equal(earlyConnack.reasonCode, 0x88, 'Server unavailable while the dead node still owns the session');
    // The survivor still routes to the dead node until it is adopted: these wait in the dead node's inbox.
    for (let i = 10; i < 20; i++) await pub.publishAsync('o/t', String(i), { qos: 1 });
    await waitFor(() => c.survivor.broker.client(id) !== undefined, 30_000, 'the session adopted by the survivor');
    const resumed = await connectListening(c.survivor.port, { protocolVersion: 5, clientId: id, clean: false, properties: { sessionExpiryInterval: 600 } });
    c.clients.push(resumed.client);
    assert.equal(resumed.sessionPresent, true);
    const received = (): { n: number }[] => resumed.got.filter((m) => m.topic === 'o/t').map((m) => ({ n: Number(m.payload.toString()) }));
    await waitFor(() => new Set(received().map((r) => r.n)).size === 20, 20_000, 'all 20 messages');
    // QoS 1 is at least once (section 4.3.2), and a copy may come twice across a node's death: a message the dead node had stored in the offline
    // queue but not yet acknowledged in its inbox is routed again from the inbox by the adopting node.
    const seen = new Set<number>();
    const firsts: number[] = [];
    for (const r of received()) {
      if (seen.has(r.n)) continue;
      seen.add(r.n);
      firsts.push(r.n);
    }
    assert.deepEqual(firsts, Array.from({ length: 20 }, (_, i) => i), 'every message, in order');
  } finally {
    await stopCluster(c);
  }
});
