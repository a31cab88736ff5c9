// End to end over TCP and TLS with MQTT.js: round trips for 3.1.1 and 5.0, server certificate checks, mTLS identity, reload.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { AuthLedger, TcpListener, TlsListener } from '../../src/index.js';
import { portOf } from '../helpers/ports.js';
import { connectUrl, createTestCertificates, RecordingAuth, roundTrip, startBrokerOn, subscribe } from './helpers.js';
import type { TestCertificates } from './helpers.js';

let certs: TestCertificates;
before(() => {
  certs = createTestCertificates();
});
after(() => certs.remove());

describe('TCP end to end', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`publish/subscribe round trip with MQTT ${protocolVersion === 4 ? '3.1.1' : '5.0'} [MQTT-4.2.0-1]`, async () => {
      const listener = new TcpListener({ port: 0 });
      const auth = new RecordingAuth();
      const b = await startBrokerOn([listener], [auth]);
      try {
        const url = `mqtt://127.0.0.1:${portOf(listener)}`;
        const sub = await connectUrl(b, url, { protocolVersion, clientId: 'tcp-sub' });
        const pub = await connectUrl(b, url, { protocolVersion, clientId: 'tcp-pub' });
        await subscribe(sub, 'e2e/tcp');
        assert.equal((await roundTrip(pub, sub, 'e2e/tcp', 'over tcp')).toString(), 'over tcp');
        const info = auth.clientFor('tcp-pub');
        assert.equal(info.transport, 'tcp');
        assert.equal(info.listenerId, 'tcp');
        assert.equal(info.remoteAddress, '127.0.0.1');
        assert.equal(info.protocolVersion, protocolVersion);
        assert.equal(info.certificate, undefined);
      } finally {
        await b.close();
      }
    });
  }
});

describe('TLS end to end', () => {
  it('round trips for 3.1.1 and 5.0 with the server certificate verified against the test CA', async () => {
    const listener = new TlsListener({ port: 0, cert: certs.serverCert, key: certs.serverKey });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      const url = `mqtts://127.0.0.1:${portOf(listener)}`;
      const tls = { ca: certs.caCert, rejectUnauthorized: true };
      const sub = await connectUrl(b, url, { ...tls, protocolVersion: 5, clientId: 'tls-sub' });
      const pub = await connectUrl(b, url, { ...tls, protocolVersion: 4, clientId: 'tls-pub' });
      await subscribe(sub, 'e2e/tls');
      await subscribe(pub, 'e2e/tls-back');
      assert.equal((await roundTrip(pub, sub, 'e2e/tls', 'v4 to v5')).toString(), 'v4 to v5');
      assert.equal((await roundTrip(sub, pub, 'e2e/tls-back', 'v5 to v4')).toString(), 'v5 to v4');
      const peer = (sub.stream as TLSSocket).getPeerCertificate();
      assert.equal(peer.subject.CN, 'localhost');
      assert.equal((sub.stream as TLSSocket).authorized, true);
      assert.equal(auth.clientFor('tls-pub').transport, 'tls');
      assert.equal(auth.clientFor('tls-pub').certificate, undefined, 'no client certificate requested');
    } finally {
      await b.close();
    }
  });

  it('a client that does not trust the CA refuses the server', async () => {
    const listener = new TlsListener({ port: 0, cert: certs.serverCert, key: certs.serverKey });
    const b = await startBrokerOn([listener]);
    try {
      await assert.rejects(
        connectUrl(b, `mqtts://127.0.0.1:${portOf(listener)}`, { rejectUnauthorized: true }),
        (err: NodeJS.ErrnoException) => /certificate/i.test(err.message) || err.code === 'SELF_SIGNED_CERT_IN_CHAIN',
      );
      assert.equal(b.broker.clients().length, 0);
    } finally {
      await b.close();
    }
  });
});

describe('mTLS end to end', () => {
  const mtls = (): TlsListener =>
    new TlsListener({ id: 'mtls', port: 0, cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, clientCertificates: 'required' });

  it('refuses a client without a certificate at the handshake', async () => {
    const listener = mtls();
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      await assert.rejects(connectUrl(b, `mqtts://127.0.0.1:${portOf(listener)}`, { ca: certs.caCert, clientId: 'no-cert' }));
      assert.equal(auth.calls.length, 0, 'the broker never saw a CONNECT');
      assert.equal(listener.stats().accepted, 0);
    } finally {
      await b.close();
    }
  });

  it('hands the client certificate identity to the authenticate hook', async () => {
    const listener = mtls();
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      const url = `mqtts://127.0.0.1:${portOf(listener)}`;
      const client = await connectUrl(b, url, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey, protocolVersion: 5, clientId: 'with-cert' });
      await subscribe(client, 'e2e/mtls');
      assert.equal((await roundTrip(client, client, 'e2e/mtls', 'self')).toString(), 'self');
      const info = auth.clientFor('with-cert');
      assert.equal(info.transport, 'tls');
      assert.equal(info.listenerId, 'mtls');
      assert.ok(info.certificate !== undefined);
      assert.equal(info.certificate.commonName, 'device-1');
      assert.match(info.certificate.subject, /CN=device-1/);
      assert.match(info.certificate.subject, /O=Acme/);
      assert.ok(info.certificate.subjectAltNames.includes('URI:urn:device:1'));
      assert.equal(info.certificate.authorized, true);
      assert.match(info.certificate.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } finally {
      await b.close();
    }
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`an AuthLedger certificate rule lets a matching CN in and refuses another (MQTT ${protocolVersion === 4 ? '3.1.1' : '5.0'})`, async () => {
      const listener = mtls();
      const ledger = new AuthLedger({ ledger: { auth: [{ certificate: { commonName: 'device-*' }, allow: true }] } });
      const b = await startBrokerOn([listener], [ledger]);
      try {
        const url = `mqtts://127.0.0.1:${portOf(listener)}`;
        const device = await connectUrl(b, url, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey, protocolVersion, clientId: 'dev' });
        await subscribe(device, 'e2e/ledger');
        assert.equal((await roundTrip(device, device, 'e2e/ledger', 'in')).toString(), 'in');
        const other = certs.issueServer('sensor-9');
        await assert.rejects(
          connectUrl(b, url, { ca: certs.caCert, cert: other.cert, key: other.key, protocolVersion, clientId: 'sensor' }),
          // No rule matched, no user name, no anonymous access: 3.1.1 CONNACK 0x05 / 5.0 0x87 not authorized.
          (err: Error & { code?: number }) => err.code === (protocolVersion === 4 ? 5 : 0x87),
        );
        assert.deepEqual(b.broker.clients().filter((c) => c.connected).map((c) => c.id), ['dev']);
      } finally {
        await b.close();
      }
    });
  }
});

describe('optional client certificates end to end', () => {
  it('a certificate from another CA is marked unauthorized and does not satisfy an AuthLedger certificate rule', async () => {
    // A self-signed certificate whose CN would match the rule: only the verified chain may count.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'rogue.key',
      '-out', 'rogue.crt', '-days', '2', '-subj', '/CN=device-666'], { cwd: certs.dir, stdio: 'ignore' });
    const rogue = { cert: readFileSync(join(certs.dir, 'rogue.crt')), key: readFileSync(join(certs.dir, 'rogue.key')) };
    const listener = new TlsListener({ port: 0, cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, clientCertificates: 'optional' });
    const auth = new RecordingAuth(() => 'defer');
    const ledger = new AuthLedger({ ledger: { auth: [{ certificate: { commonName: 'device-*' }, allow: true }] } });
    const b = await startBrokerOn([listener], [auth, ledger]);
    try {
      const url = `mqtts://127.0.0.1:${portOf(listener)}`;
      await assert.rejects(
        connectUrl(b, url, { ca: certs.caCert, ...rogue, protocolVersion: 5, clientId: 'rogue' }),
        (err: Error & { code?: number }) => err.code === 0x87,
      );
      assert.equal(auth.clientFor('rogue').certificate?.commonName, 'device-666');
      assert.equal(auth.clientFor('rogue').certificate?.authorized, false);
      // Without a certificate the handshake succeeds (optional) and the ledger refuses the anonymous client.
      await assert.rejects(connectUrl(b, url, { ca: certs.caCert, protocolVersion: 5, clientId: 'bare' }), (err: Error & { code?: number }) => err.code === 0x87);
      assert.equal(auth.clientFor('bare').certificate, undefined);
      // The CA-issued certificate is verified and let in by the rule.
      const good = await connectUrl(b, url, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey, protocolVersion: 5, clientId: 'good' });
      assert.ok(good.connected);
      assert.equal(auth.clientFor('good').certificate?.authorized, true);
    } finally {
      await b.close();
    }
  });
});

describe('TLS certificate reload end to end', () => {
  it('keeps a connected client publishing while a new client sees the new certificate', async () => {
    const certFile = join(certs.dir, 'reload.crt');
    const keyFile = join(certs.dir, 'reload.key');
    writeFileSync(certFile, certs.serverCert);
    writeFileSync(keyFile, certs.serverKey);
    const listener = new TlsListener({ port: 0, certFile, keyFile });
    const b = await startBrokerOn([listener]);
    try {
      const url = `mqtts://127.0.0.1:${portOf(listener)}`;
      const old = await connectUrl(b, url, { ca: certs.caCert, protocolVersion: 5, clientId: 'old' });
      assert.equal((old.stream as TLSSocket).getPeerCertificate().subject.CN, 'localhost');
      await subscribe(old, 'e2e/reload/to-old');

      const next = certs.issueServer('swiftlet-reloaded');
      writeFileSync(certFile, next.cert);
      writeFileSync(keyFile, next.key);
      await listener.reloadCertificates();

      const fresh = await connectUrl(b, url, { ca: certs.caCert, protocolVersion: 4, clientId: 'fresh' });
      assert.equal((fresh.stream as TLSSocket).getPeerCertificate().subject.CN, 'swiftlet-reloaded');
      assert.equal((old.stream as TLSSocket).getPeerCertificate().subject.CN, 'localhost', 'the old connection keeps its session');
      await subscribe(fresh, 'e2e/reload/to-fresh');
      assert.equal((await roundTrip(old, fresh, 'e2e/reload/to-fresh', 'still here')).toString(), 'still here');
      assert.equal((await roundTrip(fresh, old, 'e2e/reload/to-old', 'hello old')).toString(), 'hello old');
      assert.ok(old.connected);
    } finally {
      await b.close();
    }
  });
});
