// Connection limits of the real `swiftlet` process, configured in its YAML file, under small storms: the connect
// timeout and keep alive release abandoned handshakes, maxConnections and maximumClients cap what is held, and the
// per-listener and per-address connection rates admit exactly their bursts. The existing client keeps being served.
// The 20k-connection storm with latency figures is `npm run storm` (docs/hardening.md).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { waitFor } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { hardeningConfig, startBrokerUnderTest } from './broker-under-test.js';
import type { BrokerUnderTest } from './broker-under-test.js';
import { connectionStorm } from './connection-storm.js';
import { Probe } from './probe.js';

const OPEN = 'swiftlet_listener_connections_open{listener="tcp",transport="tcp"}';
const ACCEPTED = 'swiftlet_listener_connections_accepted_total{listener="tcp",transport="tcp"}';
const refused = (cause: string): string => `swiftlet_listener_connections_refused_total{listener="tcp",transport="tcp",cause="${cause}"}`;

async function metric(b: BrokerUnderTest, name: string): Promise<number> {
  return (await b.metrics()).get(name) ?? 0;
}

// Polls a metric until it has `value` (the broker closes sockets asynchronously).
async function waitForMetric(b: BrokerUnderTest, name: string, value: number): Promise<void> {
  const start = Date.now();
  for (let last = await metric(b, name); last !== value; last = await metric(b, name)) {
    if (Date.now() - start > 60_000) throw new Error(`${name} stayed ${last}, expected ${value}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('abandoned handshakes are released: silent and partial CONNECTs by the connect timeout, unread CONNACKs by keep alive', { timeout: 180_000 }, async () => {
  const b = await startBrokerUnderTest(hardeningConfig(['capabilities:', '  connectTimeout: 1000', 'http:', '  port: 0']));
  try {
    const probe = await Probe.open(b.port, 'existing');
    const storm = await connectionStorm({
      port: b.port,
      connections: 120,
      concurrency: 40,
      abandonRatio: 1,
      seed: 3,
      keepAlive: 1,
      holdMs: 60_000,
      released: async () => (await metric(b, OPEN)) === 1,
    });
    assert.notEqual(storm.releasedAfterMs, undefined, 'the broker let go of every storm connection');
    for (const kind of ['silent', 'partial', 'no-read'] as const) {
      const k = storm.byKind[kind];
      assert.ok(k.attempted > 0, `${kind} connections were made`);
      assert.equal(k.connectFailed, 0, kind);
      assert.equal(k.closedByBroker, k.attempted, `every ${kind} connection was closed by the broker`);
      assert.equal(k.leftOpen, 0, kind);
    }
    assert.equal(storm.byKind['no-read'].connackOk, storm.byKind['no-read'].attempted, 'a CONNECT that is never read still gets its CONNACK');
    // The unread ones send nothing after CONNECT: closed after 1.5 x keep alive (5.0 [MQTT-3.1.2-22], 3.1.1 [MQTT-3.1.2-24]).
    assert.ok((await probe.roundTrip()) > 0);
    await probe.close();
    assert.deepEqual(b.problems(), []);
  } finally {
    await b.stop();
  }
});

test('maximumClients refuses CONNECT with 0x89 (3.1.1: return code 3) and maxConnections refuses at accept', { timeout: 180_000 }, async () => {
  const b = await startBrokerUnderTest(hardeningConfig(['capabilities:', '  maximumClients: 4', '  connectTimeout: 60000', 'http:', '  port: 0'], ['maxConnections: 10']));
  const raws: RawClient[] = [];
  const sockets: net.Socket[] = [];
  try {
    const probe = await Probe.open(b.port, 'existing');
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(b.port, i === 0 ? 5 : 4);
      raws.push(c);
      assert.equal((await c.handshake(`held-${i}`)).reasonCode, 0);
    }
    // Four clients now: the next ones are refused and closed.
    const busy5 = await RawClient.connect(b.port, 5);
    assert.equal((await busy5.handshake('over-5')).reasonCode, ReasonCode.SERVER_BUSY);
    await busy5.waitClosed();
    const busy4 = await RawClient.connect(b.port, 4);
    assert.equal((await busy4.handshake('over-4')).reasonCode, 3, '3.1.1: server unavailable');
    await busy4.waitClosed();
    await waitForMetric(b, OPEN, 4);
    assert.equal(await metric(b, 'swiftlet_clients_connected_max'), 4);

    // Ten connections are the cap: of ten silent sockets six fit, four are closed at accept.
    const closed: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const s = net.connect({ host: '127.0.0.1', port: b.port });
      s.on('error', () => undefined);
      const index = i;
      closed[index] = false;
      s.once('close', () => (closed[index] = true));
      sockets.push(s);
    }
    await waitForMetric(b, refused('max-connections'), 4);
    await waitFor(() => closed.filter(Boolean).length === 4, 30_000, 'four sockets closed at accept');
    assert.equal(await metric(b, OPEN), 10);
    // The broker still serves the client it had.
    assert.ok((await probe.roundTrip()) > 0);
    await probe.close();
    assert.deepEqual(b.problems(), []);
  } finally {
    for (const s of sockets) s.destroy();
    for (const c of raws) c.destroy();
    await b.stop();
  }
});

test('connectionRate and connectionRatePerAddress admit exactly their bursts; refusals are counted by cause', { timeout: 180_000 }, async () => {
  // One token per 100 s: no refill during the test, so the counts are exact.
  const b = await startBrokerUnderTest(
    hardeningConfig(['http:', '  port: 0'], ['connectionRate: { perSecond: 0.01, burst: 100 }', 'connectionRatePerAddress: { perSecond: 0.01, burst: 30 }']),
  );
  try {
    // The existing client (from 127.0.0.1) takes one token of the listener.
    const probe = await Probe.open(b.port, 'existing');
    const sources = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    // 50 connects from each of four hosts: 30 each pass their address (120), and 99 of those the listener.
    const storm = await connectionStorm({ port: b.port, connections: 200, concurrency: 20, abandonRatio: 0, seed: 5, sources, holdMs: 60_000 });
    assert.equal(storm.byKind.complete.connackOk, 99);
    for (const s of sources) assert.ok((storm.connackOkBySource[s] ?? 0) <= 30, `${s}: ${storm.connackOkBySource[s]}`);
    assert.equal(await metric(b, refused('address-rate')), 80);
    assert.equal(await metric(b, refused('rate')), 21);
    assert.equal(await metric(b, ACCEPTED), 100);
    assert.ok((await probe.roundTrip()) > 0);
    await probe.close();
    assert.deepEqual(b.problems(), []);
  } finally {
    await b.stop();
  }
});
