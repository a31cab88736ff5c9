// HttpAuth against real node:http services: allow / deny / ignore, timeouts, 5xx, a dead service, caching,
// the circuit breaker, per-client ACLs from the answer and the ACL endpoint. Glossary: "service" = the test's
// HTTP server; "ledger" = the AuthLedger after HttpAuth in the chain (what `ignore` falls through to).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { AuthLedger, HttpAuth, hashPasswordSync, PacketType, ReasonCode } from '../../src/index.js';
import type { HttpAuthOptions } from '../../src/index.js';
import { connectClient, endClient, startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { deadUrl, startEndpoint } from '../helpers/http-endpoint.js';
import type { HttpEndpoint, ReceivedRequest } from '../helpers/http-endpoint.js';
import { RawClient } from '../helpers/raw-client.js';
import { connackCode } from '../helpers/raw-session.js';

const opened: { close(): Promise<void> }[] = [];
after(async () => {
  for (const o of opened.reverse()) await o.close();
});

/** A broker with HttpAuth first and a ledger (user `ledgeruser` / `pw`) after it. */
async function brokerWith(options: HttpAuthOptions): Promise<TestBroker> {
  const ledger = new AuthLedger({ ledger: { users: { ledgeruser: { password: hashPasswordSync('pw', { cost: 1024 }) } } } });
  const b = await startBroker({}, (broker) => {
    void broker.addHook(new HttpAuth(options));
    void broker.addHook(ledger);
  });
  opened.push(b);
  return b;
}

async function service(fn: (req: ReceivedRequest) => { status?: number; body?: unknown; delayMs?: number; hang?: boolean }): Promise<HttpEndpoint> {
  const e = await startEndpoint(fn);
  opened.push(e);
  return e;
}

describe('HttpAuth authentication', { concurrency: true }, () => {
  test('allow, deny and ignore; the request carries the credentials (password base64) and the connection', async () => {
    const svc = await service((req) => {
      const body = req.body as { username: string | null };
      if (body.username === 'alice') return { body: { result: 'allow' } };
      if (body.username === 'mallory') return { body: { result: 'deny' } };
      return { body: { result: 'ignore' } };
    });
    const { port } = await brokerWith({ url: `${svc.url}/auth`, headers: { Authorization: 'Bearer t0ken' } });
    assert.equal(await connackCode(port, 5, 'c-alice', { username: 'alice', password: 'secret' }), ReasonCode.SUCCESS);
    const first = svc.requests[0]!;
    assert.equal(first.method, 'POST');
    assert.equal(first.path, '/auth');
    assert.equal(first.headers.authorization, 'Bearer t0ken');
    assert.equal(first.headers['content-type'], 'application/json');
    const body = first.body as Record<string, unknown>;
    assert.equal(body.clientId, 'c-alice');
    assert.equal(body.username, 'alice');
    assert.equal(body.password, Buffer.from('secret').toString('base64'));
    assert.equal(body.remoteAddress, '127.0.0.1');
    assert.equal(body.listener, 'tcp');
    assert.equal(body.protocolVersion, 5);
    assert.equal(body.certificate, null);
    // deny → 0x86 (3.1.1: 4)
    assert.equal(await connackCode(port, 5, 'c-m5', { username: 'mallory', password: 'x' }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await connackCode(port, 4, 'c-m4', { username: 'mallory', password: 'x' }), 4);
    // ignore → the ledger decides: its user gets in with the right password, not with a wrong one
    assert.equal(await connackCode(port, 5, 'c-l1', { username: 'ledgeruser', password: 'pw' }), ReasonCode.SUCCESS);
    assert.equal(await connackCode(port, 5, 'c-l2', { username: 'ledgeruser', password: 'wrong' }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
  });

  test('the answer can rename the user', async () => {
    const svc = await service(() => ({ body: { result: 'allow', username: 'renamed' } }));
    const b = await brokerWith({ url: svc.url });
    const client = await connectClient(b.port, { clientId: 'c-rename', username: 'orig', password: 'p', protocolVersion: 5 });
    assert.equal(b.broker.client('c-rename')?.username, 'renamed');
    await endClient(client);
  });

  test('a service that is too slow → CONNACK 0x88 Server unavailable (3.1.1: 3), never allow', async () => {
    const svc = await service(() => ({ hang: true, body: { result: 'allow' } }));
    const { port } = await brokerWith({ url: svc.url, timeoutMs: 100 });
    assert.equal(await connackCode(port, 5, 'slow5', { username: 'alice', password: 'x' }), ReasonCode.SERVER_UNAVAILABLE);
    assert.equal(await connackCode(port, 4, 'slow4', { username: 'alice', password: 'x' }), 3);
  });

  test('5xx, a non-JSON answer, an unknown result and a dead service all give 0x88', async () => {
    const five = await service(() => ({ status: 503, body: { result: 'allow' } }));
    const text = await service(() => ({ status: 200, body: 'allow' }));
    const odd = await service(() => ({ status: 200, body: { result: 'maybe' } }));
    for (const url of [five.url, text.url, odd.url, await deadUrl()]) {
      const { port } = await brokerWith({ url });
      assert.equal(await connackCode(port, 5, 'c', { username: 'alice', password: 'x' }), ReasonCode.SERVER_UNAVAILABLE, url);
      assert.equal(await connackCode(port, 3, 'c', { username: 'alice', password: 'x' }), 3, url);
    }
  });

  test('answers are cached: the same credentials within cacheSeconds are not asked again; other credentials are', async () => {
    const svc = await service((req) => ({ body: { result: (req.body as { password: string }).password === Buffer.from('good').toString('base64') ? 'allow' : 'deny' } }));
    const { port } = await brokerWith({ url: svc.url, cacheSeconds: 60 });
    assert.equal(await connackCode(port, 5, 'cache', { username: 'u', password: 'good' }), 0);
    assert.equal(await connackCode(port, 5, 'cache', { username: 'u', password: 'good' }), 0);
    assert.equal(svc.requests.length, 1);
    assert.equal(await connackCode(port, 5, 'cache', { username: 'u', password: 'bad' }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await connackCode(port, 5, 'cache', { username: 'u', password: 'bad' }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assert.equal(svc.requests.length, 2, 'the negative answer is cached too');
  });

  test('failures are not cached, and after failureThreshold of them the circuit opens: no more calls, still 0x88', async () => {
    let failing = true;
    const svc = await service(() => (failing ? { status: 500 } : { body: { result: 'allow' } }));
    const { port } = await brokerWith({ url: svc.url, breaker: { failureThreshold: 3, resetMs: 60_000 } });
    for (let i = 0; i < 5; i++) assert.equal(await connackCode(port, 5, `cb${i}`, { username: 'u', password: 'p' }), ReasonCode.SERVER_UNAVAILABLE);
    assert.equal(svc.requests.length, 3, 'calls stop once the circuit is open');
    failing = false;
    assert.equal(await connackCode(port, 5, 'cb-x', { username: 'u', password: 'p' }), ReasonCode.SERVER_UNAVAILABLE, 'open circuit: refused without a call');
    assert.equal(svc.requests.length, 3);
  });

  test('an open circuit lets one trial call through after resetMs, and a good answer closes it', async () => {
    let failing = true;
    const svc = await service(() => (failing ? { status: 502 } : { body: { result: 'allow' } }));
    const { port } = await brokerWith({ url: svc.url, breaker: { failureThreshold: 1, resetMs: 50 } });
    assert.equal(await connackCode(port, 5, 'tr1', { username: 'u', password: 'p' }), ReasonCode.SERVER_UNAVAILABLE);
    failing = false;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(await connackCode(port, 5, 'tr2', { username: 'u', password: 'p' }), ReasonCode.SUCCESS);
    assert.equal(svc.requests.length, 2);
  });
});

describe('HttpAuth ACL', { concurrency: true }, () => {
  test('the ACL of the answer ({pub, sub} with %u / %c) decides publish and subscribe for that client', async () => {
    const svc = await service(() => ({ body: { result: 'allow', acl: { pub: ['devices/%u/#'], sub: ['devices/%u/#', 'cmd/%c'] } } }));
    const { port } = await brokerWith({ url: svc.url });
    const c = await RawClient.connect(port, 5);
    assert.equal((await c.handshake('dev1', { username: 'u1', password: Buffer.from('p') })).reasonCode, 0);
    c.send({ type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [
      { topic: 'devices/u1/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      { topic: 'cmd/dev1', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      { topic: 'devices/u2/#', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
    ], properties: {} });
    const suback = await c.expect(PacketType.SUBACK);
    assert.deepEqual(suback.reasonCodes, [1, 1, ReasonCode.NOT_AUTHORIZED]);
    c.send({ type: PacketType.PUBLISH, topic: 'devices/u1/t', qos: 1, packetId: 2, dup: false, retain: false, payload: Buffer.from('a'), properties: {} });
    c.send({ type: PacketType.PUBLISH, topic: 'cmd/dev1', qos: 1, packetId: 3, dup: false, retain: false, payload: Buffer.from('b'), properties: {} });
    const acks = new Map<number, number>();
    while (acks.size < 2) {
      const p = await c.next();
      if (p?.type === PacketType.PUBACK) acks.set(p.packetId, p.reasonCode);
    }
    assert.equal(acks.get(2), ReasonCode.SUCCESS);
    assert.equal(acks.get(3), ReasonCode.NOT_AUTHORIZED, 'cmd/dev1 is subscribe-only');
    c.destroy();
  });

  test('the ACL endpoint: allow, deny, ignore (→ ledger default) and 5xx (→ deny); answers cached', async () => {
    const auth = await service(() => ({ body: { result: 'allow' } }));
    const acl = await service((req) => {
      const { topic, access } = req.body as { topic: string; access: string };
      assert.equal(access === 'publish' || access === 'subscribe', true);
      if (topic.startsWith('ok/')) return { body: { result: 'allow' } };
      if (topic.startsWith('no/')) return { body: { result: 'deny' } };
      if (topic.startsWith('boom/')) return { status: 500 };
      return { body: { result: 'ignore' } };
    });
    const { port } = await brokerWith({ url: auth.url, aclUrl: acl.url });
    const c = await RawClient.connect(port, 5);
    await c.handshake('acl-c', { username: 'u', password: Buffer.from('p') });
    const sub = (topic: string) => ({ topic, qos: 0 as const, noLocal: false, retainAsPublished: false, retainHandling: 0 as const });
    c.send({ type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [sub('ok/a'), sub('no/a'), sub('boom/a'), sub('other/a')], properties: {} });
    const suback = await c.expect(PacketType.SUBACK);
    // The ledger has users and no ACL rules: its defaultAccess is allow, so `ignore` ends in allow.
    assert.deepEqual(suback.reasonCodes, [0, ReasonCode.NOT_AUTHORIZED, ReasonCode.NOT_AUTHORIZED, 0]);
    const first = acl.requests[0]!.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(first).sort(), ['access', 'clientId', 'topic', 'username']);
    assert.equal(first.clientId, 'acl-c');
    const calls = acl.requests.length;
    c.send({ type: PacketType.SUBSCRIBE, packetId: 2, subscriptions: [sub('ok/a'), sub('no/a')], properties: {} });
    assert.deepEqual((await c.expect(PacketType.SUBACK)).reasonCodes, [0, ReasonCode.NOT_AUTHORIZED]);
    assert.equal(acl.requests.length, calls, 'cached');
    c.destroy();
  });
});
