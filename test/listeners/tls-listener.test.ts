// TlsListener over real sockets: TLS round trip, mTLS identity in meta, required client certs, reload, PROXY before TLS.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { TlsListener, type TlsListenerOptions } from '../../src/listeners/tls-listener.js';
import { closed, createEcho, createTestCertificates, readBytes, type TestCertificates } from './helpers.js';

let certs: TestCertificates;
before(() => {
  certs = createTestCertificates();
});
after(() => certs.remove());

async function start(options: Partial<TlsListenerOptions>): Promise<{ listener: TlsListener; port: number; echo: ReturnType<typeof createEcho> }> {
  const echo = createEcho();
  const listener = new TlsListener({ port: 0, cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, ...options });
  await listener.listen(echo.handler);
  const address = listener.address();
  assert.ok(address !== undefined && 'port' in address);
  return { listener, port: address.port, echo };
}

async function dialTls(port: number, extra: ConnectionOptions = {}): Promise<TLSSocket> {
  const socket = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: 'localhost', ...extra });
  await once(socket, 'secureConnect');
  return socket;
}

test('tls: bytes round-trip over TLS with meta and no certificate identity by default', async () => {
  const { listener, port, echo } = await start({ id: 'secure' });
  const client = await dialTls(port);
  client.write('hello mqtt');
  assert.equal((await readBytes(client, 10)).toString(), 'hello mqtt');
  const { meta } = await echo.next();
  assert.equal(meta.listenerId, 'secure');
  assert.equal(meta.transport, 'tls');
  assert.equal(meta.remoteAddress, '127.0.0.1');
  assert.equal(meta.remotePort, client.localPort);
  assert.equal(meta.certificate, undefined);
  assert.equal(listener.stats().accepted, 1);
  client.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tls: required client certificate: rejected without one, identity in meta with one', async () => {
  const { listener, port, echo } = await start({ clientCertificates: 'required' });
  const anonymous = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: 'localhost' });
  anonymous.on('error', () => undefined);
  await closed(anonymous);
  assert.equal(echo.connections.length, 0);

  const client = await dialTls(port, { cert: certs.clientCert, key: certs.clientKey });
  client.write('id');
  assert.equal((await readBytes(client, 2)).toString(), 'id');
  const { meta } = await echo.next();
  assert.ok(meta.certificate !== undefined);
  assert.equal(meta.certificate.commonName, 'device-1');
  assert.equal(meta.certificate.subject, 'O=Acme,CN=device-1');
  assert.deepEqual(meta.certificate.subjectAltNames, ['URI:urn:device:1', 'DNS:device-1.example']);
  assert.match(meta.certificate.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(meta.certificate.authorized, true);
  client.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tls: optional client certificate: both kinds of client accepted', async () => {
  const { listener, port, echo } = await start({ clientCertificates: 'optional' });
  const anonymous = await dialTls(port);
  assert.equal((await echo.next()).meta.certificate, undefined);
  const client = await dialTls(port, { cert: certs.clientCert, key: certs.clientKey });
  assert.equal((await echo.next()).meta.certificate?.commonName, 'device-1');
  anonymous.destroy();
  client.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tls: reloadCertificates swaps the certificate for new clients while old ones stay open; a bad file keeps the old one', async () => {
  const certFile = join(certs.dir, 'live.crt');
  const keyFile = join(certs.dir, 'live.key');
  writeFileSync(certFile, certs.serverCert);
  writeFileSync(keyFile, certs.serverKey);
  const echo = createEcho();
  const listener = new TlsListener({ port: 0, certFile, keyFile });
  await listener.listen(echo.handler);
  const address = listener.address();
  assert.ok(address !== undefined && 'port' in address);

  const old = await dialTls(address.port);
  assert.equal(old.getPeerX509Certificate()?.subject, 'CN=localhost');

  const next = certs.issueServer('localhost-v2');
  writeFileSync(certFile, next.cert);
  writeFileSync(keyFile, next.key);
  await listener.reloadCertificates();
  const fresh = await dialTls(address.port);
  assert.equal(fresh.getPeerX509Certificate()?.subject, 'CN=localhost-v2');

  old.write('alive');
  assert.equal((await readBytes(old, 5)).toString(), 'alive');

  writeFileSync(keyFile, 'not a key');
  await assert.rejects(listener.reloadCertificates());
  const afterBad = await dialTls(address.port);
  assert.equal(afterBad.getPeerX509Certificate()?.subject, 'CN=localhost-v2');

  for (const s of [old, fresh, afterBad]) s.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tls: watch reloads changed files and reports a bad file through onError', async () => {
  const certFile = join(certs.dir, 'watched.crt');
  const keyFile = join(certs.dir, 'watched.key');
  writeFileSync(certFile, certs.serverCert);
  writeFileSync(keyFile, certs.serverKey);
  const errors: Error[] = [];
  const echo = createEcho();
  const listener = new TlsListener({ port: 0, certFile, keyFile, watch: true, watchDebounceMs: 20, onError: (e) => errors.push(e) });
  await listener.listen(echo.handler);
  const address = listener.address();
  assert.ok(address !== undefined && 'port' in address);

  const next = certs.issueServer('watched-v2');
  writeFileSync(keyFile, next.key);
  writeFileSync(certFile, next.cert);
  let subject = '';
  for (let i = 0; i < 100 && subject !== 'CN=watched-v2'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const probe = await dialTls(address.port);
    subject = probe.getPeerX509Certificate()?.subject ?? '';
    probe.destroy();
  }
  assert.equal(subject, 'CN=watched-v2');

  writeFileSync(certFile, 'garbage');
  for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(errors.length > 0);
  const still = await dialTls(address.port);
  assert.equal(still.getPeerX509Certificate()?.subject, 'CN=watched-v2');
  still.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tls+proxy: the PROXY header precedes the handshake, in the same chunk as the ClientHello', async () => {
  const { listener, port, echo } = await start({ proxyProtocol: { trusted: ['127.0.0.1'] }, clientCertificates: 'optional' });
  const raw = connectTcp(port, '127.0.0.1');
  await once(raw, 'connect');
  // Cork so the header and the ClientHello leave in one segment: the bytes after the header must not be lost.
  raw.cork();
  raw.write('PROXY TCP4 203.0.113.7 192.0.2.1 5555 8883\r\n');
  const client = connect({ socket: raw, ca: certs.caCert, servername: 'localhost', cert: certs.clientCert, key: certs.clientKey });
  process.nextTick(() => raw.uncork());
  await once(client, 'secureConnect');
  client.write('through');
  assert.equal((await readBytes(client, 7)).toString(), 'through');
  const { meta } = await echo.next();
  assert.equal(meta.remoteAddress, '203.0.113.7');
  assert.equal(meta.remotePort, 5555);
  assert.equal(meta.transport, 'tls');
  assert.equal(meta.certificate?.commonName, 'device-1');
  client.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tls: missing cert or key fails listen()', async () => {
  const listener = new TlsListener({ port: 0 });
  await assert.rejects(listener.listen(() => undefined), TypeError);
  assert.equal(listener.address(), undefined);
});
