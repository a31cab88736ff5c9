// Transports and liveness: wss:// and mqtts:// to a Swiftlet with a test CA and a client certificate, and a remote that
// stops answering is detected by keep alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { TlsListener, WebSocketListener } from '../../src/index.js';
import type { InlineMessage } from '../../src/index.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import { createTestCertificates } from '../listeners/helpers.js';
import { bridgeStatus, waitConnected } from './support.js';

test('wss:// and mqtts:// (with a client certificate) to a Swiftlet, verified with a test CA', async () => {
  const certs = createTestCertificates();
  const cloud = await startBroker();
  const wss = new WebSocketListener({ id: 'wss', host: '127.0.0.1', port: 0, tls: { cert: certs.serverCert, key: certs.serverKey } });
  const tls = new TlsListener({ id: 'tls', host: '127.0.0.1', port: 0, cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, clientCertificates: 'required' });
  await cloud.broker.addListener(wss);
  await cloud.broker.addListener(tls);
  const edge = await startBroker();
  const got: InlineMessage[] = [];
  cloud.broker.subscribe('up/#', (m) => got.push(m));
  try {
    await edge.broker.addBridge({
      name: 'over-wss',
      url: `wss://localhost:${(wss.address() as { port: number }).port}/mqtt`,
      tls: { ca: certs.caCert },
      topics: [{ filter: 'up/wss', direction: 'out', qos: 1 }],
    });
    await edge.broker.addBridge({
      name: 'over-tls',
      url: `mqtts://localhost:${(tls.address() as { port: number }).port}`,
      tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey },
      topics: [{ filter: 'up/tls', direction: 'out', qos: 1 }],
    });
    await waitConnected(edge.broker, 'over-wss');
    await waitConnected(edge.broker, 'over-tls');
    edge.broker.publish('up/wss', 'a', { qos: 1 });
    edge.broker.publish('up/tls', 'b', { qos: 1 });
    await waitFor(() => got.length === 2, 3000, 'both messages');
    assert.deepEqual(got.map((m) => m.topic).sort(), ['up/tls', 'up/wss']);
    const viaTls = cloud.broker.clients().find((c) => c.listenerId === 'tls');
    assert.ok(viaTls !== undefined && viaTls.connected);
  } finally {
    await edge.close();
    await cloud.close();
    certs.remove();
  }
});

test('a remote that stops answering is dropped by keep alive and the bridge reconnects', async () => {
  // A fake remote: answers CONNECT with CONNACK and SUBSCRIBE with SUBACK, then ignores everything (no PINGRESP).
  const sockets: Socket[] = [];
  let connects = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const type = chunk[0]! >> 4;
      if (type === 1) {
        connects++;
        socket.write(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00])); // 5.0 CONNACK, success, no properties
      } else if (type === 8) {
        socket.write(Buffer.from([0x90, 0x04, chunk[2]!, chunk[3]!, 0x00, 0x00])); // SUBACK granted QoS 0
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const edge = await startBroker();
  try {
    await edge.broker.addBridge({ name: 'silent', url: `mqtt://127.0.0.1:${port}`, keepAlive: 1, reconnectDelay: 0.05, maxReconnectDelay: 0.1, topics: [{ filter: 'x', direction: 'in' }] });
    await waitConnected(edge.broker, 'silent');
    await waitFor(() => (bridgeStatus(edge.broker, 'silent').lastError ?? '').startsWith('keep alive timeout'), 5000, 'keep alive timeout');
    await waitFor(() => connects >= 2, 3000, 'a new connection');
  } finally {
    await edge.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
