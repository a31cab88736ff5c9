// TLS defaults hold whatever the process-wide defaults say: TLS 1.2 at least and AEAD/ECDHE ciphers only, on the TLS
// and WSS listeners and on a bridge's outgoing connection, which also verifies the remote's certificate by default.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import tls, { connect, createServer, type ConnectionOptions } from 'node:tls';
import { after, before, test } from 'node:test';
import { TlsListener } from '../../src/listeners/tls-listener.js';
import { WebSocketListener } from '../../src/listeners/websocket-listener.js';
import { openTransport } from '../../src/bridge/transport.js';
import { createEcho, createTestCertificates, type TestCertificates } from './helpers.js';

let certs: TestCertificates;
const saved = { minVersion: tls.DEFAULT_MIN_VERSION, ciphers: tls.DEFAULT_CIPHERS };
before(() => {
  certs = createTestCertificates();
  // What an embedding program (or `node --tls-min-v1.0 --tls-cipher-list=...`) may do to the whole process.
  tls.DEFAULT_MIN_VERSION = 'TLSv1';
  tls.DEFAULT_CIPHERS = 'DEFAULT@SECLEVEL=0';
});
after(() => {
  tls.DEFAULT_MIN_VERSION = saved.minVersion;
  tls.DEFAULT_CIPHERS = saved.ciphers;
  certs.remove();
});

/** Resolves with the negotiated protocol, or with the error message when the handshake fails. */
async function handshake(port: number, extra: ConnectionOptions): Promise<{ protocol: string | null } | { error: string }> {
  const socket = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: 'localhost', ...extra });
  const result = await new Promise<{ protocol: string | null } | { error: string }>((resolve) => {
    socket.once('secureConnect', () => resolve({ protocol: socket.getProtocol() }));
    socket.once('error', (err) => resolve({ error: err.message }));
  });
  socket.destroy();
  return result;
}

const TLS11 = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
const CBC12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0' } as const;

test('control: under these process-wide defaults a plain Node TLS server accepts TLS 1.1 and CBC suites (so the checks below can fail)', async () => {
  const server = createServer({ cert: certs.serverCert, key: certs.serverKey }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  try {
    assert.deepEqual(await handshake(port, TLS11), { protocol: 'TLSv1.1' });
    assert.deepEqual(await handshake(port, CBC12), { protocol: 'TLSv1.2' });
  } finally {
    server.close();
  }
});

test('tls listener: TLS 1.0/1.1 and CBC suites are refused, TLS 1.2 with AEAD and TLS 1.3 are accepted', async () => {
  const listener = new TlsListener({ port: 0, cert: certs.serverCert, key: certs.serverKey });
  await listener.listen(createEcho().handler);
  const port = (listener.address() as { port: number }).port;
  try {
    assert.ok('error' in (await handshake(port, TLS11)), 'TLS 1.1 was accepted');
    assert.ok('error' in (await handshake(port, CBC12)), 'a CBC suite was accepted');
    assert.deepEqual(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), { protocol: 'TLSv1.2' });
    assert.deepEqual(await handshake(port, {}), { protocol: 'TLSv1.3' });
  } finally {
    await listener.close();
  }
});

test('wss listener: TLS 1.1 is refused, TLS 1.2 accepted', async () => {
  const listener = new WebSocketListener({ port: 0, host: '127.0.0.1', tls: { cert: certs.serverCert, key: certs.serverKey } });
  await listener.listen(createEcho().handler);
  const port = (listener.address() as { port: number }).port;
  try {
    assert.ok('error' in (await handshake(port, TLS11)), 'TLS 1.1 was accepted');
    assert.deepEqual(await handshake(port, { maxVersion: 'TLSv1.2' }), { protocol: 'TLSv1.2' });
  } finally {
    await listener.close();
  }
});

test("bridge transport: the remote's certificate is verified by default, and TLS 1.1 is never offered", async () => {
  const server = createServer({ cert: certs.serverCert, key: certs.serverKey }, (s) => s.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const url = new URL(`mqtts://localhost:${port}`);
  try {
    // No CA given: Node's roots do not include the test CA, so the certificate is refused.
    await assert.rejects(openTransport(url, undefined, 5000), /self[- ]signed|unable to (verify|get)/i);
    const stream = await openTransport(url, { ca: certs.caCert }, 5000);
    assert.equal((stream as tls.TLSSocket).getProtocol(), 'TLSv1.3');
    stream.destroy();
    // A remote that speaks TLS 1.1 at most: the bridge does not go below 1.2, so the handshake fails.
    const limited = createServer({ cert: certs.serverCert, key: certs.serverKey, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    limited.on('tlsClientError', () => undefined);
    limited.listen(0, '127.0.0.1');
    await once(limited, 'listening');
    try {
      await assert.rejects(openTransport(new URL(`mqtts://localhost:${(limited.address() as { port: number }).port}`), { ca: certs.caCert }, 5000));
    } finally {
      limited.close();
    }
  } finally {
    server.close();
  }
});
