// End to end with one broker on TCP, WebSocket and TLS at once: cross-transport delivery and removing a listener live.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TcpListener, TlsListener, WebSocketListener } from '../../src/index.js';
import { portOf } from '../helpers/ports.js';
import { connectUrl, createTestCertificates, nextMessage, RecordingAuth, roundTrip, startBrokerOn, subscribe } from './helpers.js';
import type { E2eBroker, TestCertificates } from './helpers.js';

let certs: TestCertificates;
before(() => {
  certs = createTestCertificates();
});
after(() => certs.remove());

/** A broker with `tcp`, `ws` and `tls` listeners. */
async function startMixed(): Promise<{ b: E2eBroker; auth: RecordingAuth; urls: { tcp: string; ws: string; tls: string }; ws: WebSocketListener }> {
  const tcp = new TcpListener({ port: 0 });
  const ws = new WebSocketListener({ port: 0 });
  const tls = new TlsListener({ port: 0, cert: certs.serverCert, key: certs.serverKey });
  const auth = new RecordingAuth();
  const b = await startBrokerOn([tcp, ws, tls], [auth]);
  return {
    b,
    auth,
    ws,
    urls: {
      tcp: `mqtt://127.0.0.1:${portOf(tcp)}`,
      ws: `ws://127.0.0.1:${portOf(ws)}/mqtt`,
      tls: `mqtts://127.0.0.1:${portOf(tls)}`,
    },
  };
}

describe('one broker, several transports', () => {
  it('a publisher on each transport reaches subscribers on all the others', async () => {
    const { b, auth, urls } = await startMixed();
    try {
      const overTcp = await connectUrl(b, urls.tcp, { clientId: 'on-tcp', protocolVersion: 4 });
      const overWs = await connectUrl(b, urls.ws, { clientId: 'on-ws', protocolVersion: 5 });
      const overTls = await connectUrl(b, urls.tls, { clientId: 'on-tls', protocolVersion: 5, ca: certs.caCert });
      const all = [overTcp, overWs, overTls];
      for (const c of all) await subscribe(c, 'e2e/mixed/#');
      for (const [i, publisher] of all.entries()) {
        const topic = `e2e/mixed/${i}`;
        const others = all.filter((c) => c !== publisher);
        const got = others.map((c) => nextMessage(c, topic));
        await publisher.publishAsync(topic, `from ${i}`, { qos: 1 });
        for (const payload of await Promise.all(got)) assert.equal(payload.toString(), `from ${i}`);
      }
      assert.deepEqual(
        ['on-tcp', 'on-ws', 'on-tls'].map((id) => [auth.clientFor(id).listenerId, auth.clientFor(id).transport]),
        [['tcp', 'tcp'], ['ws', 'ws'], ['tls', 'tls']],
      );
    } finally {
      await b.close();
    }
  });

  it('close() sends DISCONNECT 0x8B to 5.0 clients on every transport and closes all of them', async () => {
    const { b, urls } = await startMixed();
    const clients = [
      await connectUrl(b, urls.tcp, { clientId: 'bye-tcp', protocolVersion: 5 }),
      await connectUrl(b, urls.ws, { clientId: 'bye-ws', protocolVersion: 5 }),
      await connectUrl(b, urls.tls, { clientId: 'bye-tls', protocolVersion: 5, ca: certs.caCert }),
      await connectUrl(b, urls.ws, { clientId: 'bye-ws-v4', protocolVersion: 4 }),
    ];
    const reasons = clients.map((c) => new Promise<number | undefined>((resolve) => c.once('disconnect', (packet) => resolve(packet.reasonCode))));
    const closed = clients.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve())));
    // Not through b.close(): it would end the clients first.
    await b.broker.close(2000);
    await Promise.all(closed);
    assert.deepEqual(await Promise.all(reasons.slice(0, 3)), [0x8b, 0x8b, 0x8b]);
    assert.equal(b.broker.listeners().every((l) => l.stats?.().open === 0), true);
    await b.close();
  });

  it('removeListener stops new connections on it; clients on the other listeners (and its own) carry on', async () => {
    const { b, urls, ws } = await startMixed();
    try {
      const overTcp = await connectUrl(b, urls.tcp, { clientId: 'stay-tcp' });
      const overTls = await connectUrl(b, urls.tls, { clientId: 'stay-tls', protocolVersion: 5, ca: certs.caCert });
      const overWs = await connectUrl(b, urls.ws, { clientId: 'stay-ws', protocolVersion: 5 });
      await subscribe(overTcp, 'e2e/remove');
      await subscribe(overTls, 'e2e/remove');

      await b.broker.removeListener('ws');
      assert.deepEqual(b.broker.listeners().map((l) => l.id).sort(), ['tcp', 'tls']);
      await assert.rejects(connectUrl(b, urls.ws, { clientId: 'too-late' }), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
      assert.equal(ws.stats().accepted, 1);

      // Other listeners still accept, and everyone already connected keeps working (the ws client too).
      const late = await connectUrl(b, urls.tcp, { clientId: 'late-tcp', protocolVersion: 5 });
      const toTls = nextMessage(overTls, 'e2e/remove');
      assert.equal((await roundTrip(overWs, overTcp, 'e2e/remove', 'after removal')).toString(), 'after removal');
      assert.equal((await toTls).toString(), 'after removal');
      await subscribe(overWs, 'e2e/remove/ws');
      assert.equal((await roundTrip(late, overWs, 'e2e/remove/ws', 'to the old ws client')).toString(), 'to the old ws client');
      assert.ok(overWs.connected && overTcp.connected && overTls.connected);
    } finally {
      await b.close();
    }
  });
});
