// Per-bridge state in $SYS, /metrics and the REST API, and the log lines of connects and disconnects with their reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker, HttpServer, TcpListener } from '../../src/index.js';
import type { InlineMessage } from '../../src/index.js';
import { BRIDGE_SYS_TOPICS } from '../../src/bridge/bridge-sys.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import { freePort } from '../helpers/ports.js';
import { bridgeStatus, waitConnected } from './support.js';

const TOKEN = 'bridge-test-token-0123';

test('bridge state in $SYS, /metrics, /api/v1/bridges and the log', async () => {
  const port = await freePort();
  const logs: { level: string; obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, obj: obj as Record<string, unknown>, msg });
  let remote = new Broker();
  await remote.addListener(new TcpListener({ host: '127.0.0.1', port }));
  await remote.serve();
  const edge = await startBroker({ sysInterval: 0, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } });
  const http = new HttpServer(edge.broker, { port: 0, token: TOKEN });
  await http.listen();
  const base = `http://127.0.0.1:${http.address()!.port}`;
  const get = async (path: string): Promise<Response> => fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  try {
    await edge.broker.addBridge({ name: 'cloud', url: `mqtt://127.0.0.1:${port}`, topics: [{ filter: 'v/#', direction: 'both', qos: 1 }], reconnectDelay: 0.05, maxReconnectDelay: 0.1 });
    await waitConnected(edge.broker, 'cloud');
    edge.broker.publish('v/out', 'x', { qos: 1 });
    remote.publish('v/in', 'y', { qos: 1 });
    await waitFor(() => bridgeStatus(edge.broker, 'cloud').forwardedOut === 1 && bridgeStatus(edge.broker, 'cloud').forwardedIn === 1, 3000, 'one each way');

    // $SYS: every documented per-bridge topic, with the values of the status.
    const sys: InlineMessage[] = [];
    edge.broker.subscribe('$SYS/broker/bridges/#', (m) => sys.push(m));
    edge.broker.publishSys();
    const value = (t: string): string | undefined => sys.filter((m) => m.topic === t).pop()?.payload.toString();
    assert.deepEqual(new Set(sys.map((m) => m.topic)), new Set(BRIDGE_SYS_TOPICS.map((t) => t.topic.replace('<name>', 'cloud'))));
    assert.equal(value('$SYS/broker/bridges/cloud/connected'), '1');
    assert.equal(value('$SYS/broker/bridges/cloud/forwarded/in'), '1');
    assert.equal(value('$SYS/broker/bridges/cloud/forwarded/out'), '1');
    assert.equal(value('$SYS/broker/bridges/cloud/queued'), '0');
    assert.equal(value('$SYS/broker/bridges/cloud/last-error'), '');

    // /metrics
    const metrics = await (await get('/metrics')).text();
    assert.match(metrics, /^swiftlet_bridge_connected\{bridge="cloud"\} 1$/m);
    assert.match(metrics, /^swiftlet_bridge_forwarded_messages_total\{bridge="cloud",direction="in"\} 1$/m);
    assert.match(metrics, /^swiftlet_bridge_forwarded_messages_total\{bridge="cloud",direction="out"\} 1$/m);
    assert.match(metrics, /^swiftlet_bridge_queued_messages\{bridge="cloud"\} 0$/m);
    assert.match(metrics, /^swiftlet_bridge_dropped_messages_total\{bridge="cloud"\} 0$/m);
    assert.match(metrics, /^swiftlet_bridge_connects_total\{bridge="cloud"\} 1$/m);

    // The remote goes away: state, error and the log line with the reason.
    await remote.close(100);
    await waitFor(() => !bridgeStatus(edge.broker, 'cloud').connected, 3000, 'disconnect noticed');
    edge.broker.publish('v/out', 'queued', { qos: 1 });
    await waitFor(() => bridgeStatus(edge.broker, 'cloud').queued === 1, 3000, 'one queued');
    const list = (await (await get('/api/v1/bridges')).json()) as Record<string, unknown>[];
    assert.equal(list.length, 1);
    assert.deepEqual({ ...list[0], lastError: typeof list[0]!.lastError }, {
      name: 'cloud',
      url: `mqtt://127.0.0.1:${port}`,
      connected: false,
      queued: 1,
      forwardedIn: 1,
      forwardedOut: 1,
      dropped: 0,
      connects: 1,
      lastError: 'string',
    });
    const one = (await (await get('/api/v1/bridges/cloud')).json()) as Record<string, unknown>;
    assert.equal(one.name, 'cloud');
    assert.equal((await get('/api/v1/bridges/nope')).status, 404);
    const disconnected = logs.find((l) => l.msg === 'bridge disconnected');
    assert.ok(disconnected !== undefined, 'a disconnect log line');
    assert.equal(disconnected.obj.bridge, 'cloud');
    assert.match(String(disconnected.obj.reason), /0x8b/);
    await waitFor(() => logs.some((l) => l.msg === 'bridge connect failed' && /ECONNREFUSED/.test(String(l.obj.reason))), 3000, 'a failed reconnect logged');

    remote = new Broker();
    await remote.addListener(new TcpListener({ host: '127.0.0.1', port }));
    await remote.serve();
    await waitConnected(edge.broker, 'cloud');
    assert.equal(logs.filter((l) => l.msg === 'bridge connected' && l.obj.bridge === 'cloud').length, 2);
    await waitFor(() => bridgeStatus(edge.broker, 'cloud').queued === 0, 3000, 'queued message delivered');
  } finally {
    await http.close();
    await edge.close();
    await remote.close();
  }
});
