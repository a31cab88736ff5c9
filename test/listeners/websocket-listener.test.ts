// WebSocketListener over real sockets: ws:// and wss://, subprotocols, frames vs packets, paths, shared servers, limits.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { WebSocketListener, type WebSocketListenerOptions } from '../../src/listeners/websocket-listener.js';
import { waitFor } from '../helpers/broker.js';
import { createEcho, createTestCertificates, type TestCertificates } from './helpers.js';

let certs: TestCertificates;
before(() => {
  certs = createTestCertificates();
});
after(() => certs.remove());

async function start(options: Partial<WebSocketListenerOptions> = {}): Promise<{ listener: WebSocketListener; port: number; echo: ReturnType<typeof createEcho> }> {
  const echo = createEcho();
  const listener = new WebSocketListener({ port: 0, ...options });
  await listener.listen(echo.handler);
  const address = listener.address();
  assert.ok(address !== undefined && 'port' in address);
  return { listener, port: address.port, echo };
}

async function open(url: string, protocols?: string | string[], options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  await once(ws, 'open');
  return ws;
}

/** Collects binary messages until `n` bytes arrived. */
function receive(ws: WebSocket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onMessage = (data: Buffer): void => {
      chunks.push(data);
      total += data.length;
      if (total >= n) {
        ws.off('message', onMessage);
        resolve(Buffer.concat(chunks));
      }
    };
    ws.on('message', onMessage);
  });
}

/** Resolves with the HTTP status of a refused upgrade. */
async function refusedStatus(url: string, protocols?: string): Promise<number> {
  const ws = new WebSocket(url, protocols);
  ws.on('error', () => undefined);
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number; resume(): void }];
  res.resume();
  ws.terminate();
  return res.statusCode;
}

/** A plain HTTP GET without keep-alive (no pooled socket outlives the test). */
async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const req = get(url, { agent: false });
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk as string;
  return { status: res.statusCode ?? 0, body };
}

const PINGREQ = Buffer.from([0xc0, 0x00]);
const CONNECT = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c, 0x00, 0x00]);

test('ws: mqtt subprotocol, a packet split across frames and several packets in one frame', async () => {
  const { listener, port, echo } = await start({ id: 'web' });
  const ws = await open(`ws://127.0.0.1:${port}/mqtt`, 'mqtt');
  assert.equal(ws.protocol, 'mqtt');
  const { stream, meta } = await echo.next();
  assert.equal(meta.listenerId, 'web');
  assert.equal(meta.transport, 'ws');
  assert.equal(meta.remoteAddress, '127.0.0.1');
  assert.ok(meta.remotePort > 0);
  assert.equal(meta.localPort, port);

  const received: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => received.push(chunk));
  ws.send(CONNECT.subarray(0, 5));
  ws.send(CONNECT.subarray(5));
  ws.send(Buffer.concat([PINGREQ, PINGREQ, PINGREQ]));
  const expected = Buffer.concat([CONNECT, PINGREQ, PINGREQ, PINGREQ]);
  assert.deepEqual(await receive(ws, expected.length), expected);
  assert.deepEqual(Buffer.concat(received), expected);

  ws.close();
  await once(stream, 'close');
  await listener.close();
});

test('ws: mqttv3.1 and no subprotocol are accepted, others refused; wrong path and plain HTTP refused', async () => {
  const { listener, port, echo } = await start();
  const old = await open(`ws://127.0.0.1:${port}/mqtt`, 'mqttv3.1');
  assert.equal(old.protocol, 'mqttv3.1');
  const picky = await open(`ws://127.0.0.1:${port}/mqtt`, ['chat', 'mqtt']);
  assert.equal(picky.protocol, 'mqtt');
  const bare = await open(`ws://127.0.0.1:${port}/mqtt?client=1`);
  assert.equal(bare.protocol, '');
  assert.equal(await refusedStatus(`ws://127.0.0.1:${port}/mqtt`, 'chat'), 400);
  assert.equal(await refusedStatus(`ws://127.0.0.1:${port}/other`, 'mqtt'), 404);
  assert.equal((await httpGet(`http://127.0.0.1:${port}/mqtt`)).status, 426);
  await waitFor(() => echo.connections.length === 3, 5000, 'three accepted');
  for (const ws of [old, picky, bare]) ws.terminate();
  echo.destroyAll();
  await listener.close();
});

test('ws: a text frame closes the connection [MQTT-6.0.0-1]', async () => {
  const { listener, port, echo } = await start();
  const ws = await open(`ws://127.0.0.1:${port}/mqtt`, 'mqtt');
  const { stream } = await echo.next();
  ws.send('not binary');
  const [code] = (await once(ws, 'close')) as [number];
  assert.equal(code, 1003);
  assert.ok(stream.destroyed);
  await listener.close();
});

test('wss: TLS WebSocket round trip with client certificate identity', async () => {
  const { listener, port, echo } = await start({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, clientCertificates: 'required' } });
  assert.equal(listener.transport, 'wss');
  const ws = await open(`wss://localhost:${port}/mqtt`, 'mqtt', { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey });
  ws.send(CONNECT);
  assert.deepEqual(await receive(ws, CONNECT.length), CONNECT);
  const { meta } = await echo.next();
  assert.equal(meta.transport, 'wss');
  assert.equal(meta.certificate?.commonName, 'device-1');
  assert.equal(meta.certificate?.authorized, true);
  ws.terminate();
  echo.destroyAll();
  await listener.close();
});

test('ws: attaches to an existing http.Server and leaves it running on close()', async () => {
  const server = createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const echo = createEcho();
  const listener = new WebSocketListener({ server });
  await listener.listen(echo.handler);
  assert.deepEqual(listener.address(), { host: '127.0.0.1', port });
  const ws = await open(`ws://127.0.0.1:${port}/mqtt`, 'mqtt');
  ws.send(PINGREQ);
  assert.deepEqual(await receive(ws, 2), PINGREQ);
  await listener.close();
  assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body, 'ok');
  ws.terminate();
  echo.destroyAll();
  server.closeAllConnections();
  server.close();
});

test('ws: X-Forwarded-For is used only from trusted proxies', async () => {
  const trusting = await start({ trustedProxies: ['127.0.0.1'] });
  const a = await open(`ws://127.0.0.1:${trusting.port}/mqtt`, 'mqtt', { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9, 127.0.0.1' } });
  assert.equal((await trusting.echo.next()).meta.remoteAddress, '203.0.113.9');
  const plain = await start();
  const b = await open(`ws://127.0.0.1:${plain.port}/mqtt`, 'mqtt', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal((await plain.echo.next()).meta.remoteAddress, '127.0.0.1');
  a.terminate();
  b.terminate();
  trusting.echo.destroyAll();
  plain.echo.destroyAll();
  await trusting.listener.close();
  await plain.listener.close();
});

test('ws: maxConnections refuses the upgrade with 503 and counts it', async () => {
  const { listener, port, echo } = await start({ maxConnections: 1 });
  const first = await open(`ws://127.0.0.1:${port}/mqtt`, 'mqtt');
  await echo.next();
  assert.equal(await refusedStatus(`ws://127.0.0.1:${port}/mqtt`, 'mqtt'), 503);
  assert.equal(listener.stats().refused.maxConnections, 1);
  assert.equal(listener.stats().accepted, 1);
  first.terminate();
  echo.destroyAll();
  await listener.close();
});
