// The management API: auth, every route with good and bad input, pagination, publish and disconnect end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, connectClient, endClient, waitFor } from '../helpers/broker.js';
import { startHttp, TOKEN } from './support.js';
import type { HttpFixture } from './support.js';

async function withHttp(fn: (f: HttpFixture) => Promise<void>): Promise<void> {
  const f = await startHttp();
  try {
    await fn(f);
  } finally {
    await f.stop();
  }
}

test('no token, a wrong token, a wrong scheme: 401 with WWW-Authenticate, before any routing', () =>
  withHttp(async (f) => {
    for (const [path, token] of [
      ['/api/v1/info', null],
      ['/api/v1/info', 'wrong'],
      ['/api/v1/info', `${TOKEN}x`],
      ['/api/v1/no-such-route', null],
      ['/api/v1/clients/ghost', 'wrong'],
    ] as const) {
      const r = await f.call(path, { token });
      assert.equal(r.status, 401, `${path} ${String(token)}`);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
      assert.equal(typeof ((await r.json()) as { error: unknown }).error, 'string');
    }
    const basic = await f.call('/api/v1/info', { token: null, headers: { authorization: `Basic ${TOKEN}` } });
    assert.equal(basic.status, 401);
    await basic.text();
    assert.equal((await f.json('/api/v1/info')).status, 200);
  }));

test('GET /api/v1/info and /api/v1/stats', () =>
  withHttp(async (f) => {
    const info = await f.json('/api/v1/info');
    assert.equal(info.status, 200);
    assert.equal(info.body.nodeId, f.broker.id);
    assert.equal(typeof info.body.version, 'string');
    assert.equal(info.body.ready, true);
    assert.equal((info.body.capabilities as { maximumQoS: number }).maximumQoS, f.broker.capabilities.maximumQoS);
    const listeners = info.body.listeners as { id: string; transport: string; address: { port: number } }[];
    assert.deepEqual(
      listeners.map((l) => [l.id, l.transport, l.address.port]),
      [['tcp', 'tcp', f.port]],
    );
    const c = await connectClient(f.port, { clientId: 's1' });
    await c.publishAsync('x', 'y', { qos: 1 });
    const stats = await f.json('/api/v1/stats');
    assert.equal(stats.status, 200);
    assert.equal(stats.body.clientsConnected, 1);
    assert.equal(stats.body.publishReceived, 1);
    assert.deepEqual(stats.body.publishReceivedByQoS, [0, 1, 0]);
    assert.equal((stats.body.packetsReceivedByType as Record<string, number>).connect, 1);
    assert.equal(typeof stats.body.inflightMax, 'number');
    await endClient(c);
  }));

test('clients: list with pagination, one client, unknown id 404, bad pagination 400', () =>
  withHttp(async (f) => {
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await connectClient(f.port, { clientId: `c${i}`, protocolVersion: i === 0 ? 5 : 4 }));
    await clients[0]!.subscribeAsync('t/+', { qos: 1 });
    const all = await f.json('/api/v1/clients');
    assert.equal(all.status, 200);
    assert.equal(all.body.total, 5);
    assert.equal(all.body.limit, 100);
    const page = await f.json('/api/v1/clients?offset=1&limit=2');
    assert.equal(page.body.total, 5);
    assert.equal(page.body.offset, 1);
    assert.equal((page.body.items as unknown[]).length, 2);
    const tail = await f.json('/api/v1/clients?offset=4&limit=1000');
    assert.equal((tail.body.items as unknown[]).length, 1);

    const one = await f.json('/api/v1/clients/c0');
    assert.equal(one.status, 200);
    assert.equal(one.body.id, 'c0');
    assert.equal(one.body.protocol, '5.0');
    assert.equal(one.body.connected, true);
    assert.equal(one.body.listener, 'tcp');
    assert.equal(one.body.address, '127.0.0.1');
    assert.equal(typeof one.body.connectedAt, 'string');
    assert.deepEqual(one.body.subscriptions, [{ filter: 't/+', qos: 1 }]);
    assert.equal(one.body.inflight, 0);
    assert.equal(one.body.queued, 0);
    assert.equal((await f.json('/api/v1/clients/c1')).body.protocol, '3.1.1');

    assert.equal((await f.json('/api/v1/clients/nobody')).status, 404);
    for (const q of ['limit=0', 'limit=1001', 'offset=-1', 'offset=abc', 'limit=1.5']) {
      const r = await f.json(`/api/v1/clients?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(typeof r.body.error, 'string');
    }
    assert.equal((await f.json('/api/v1/clients/%E0%A4%A')).status, 400);
    for (const c of clients) await endClient(c);
  }));

test('client ids with slashes and spaces work URL-encoded', () =>
  withHttp(async (f) => {
    const c = await connectClient(f.port, { clientId: 'a/b c' });
    const r = await f.json(`/api/v1/clients/${encodeURIComponent('a/b c')}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.id, 'a/b c');
    await endClient(c);
  }));

test('DELETE /clients/{id} closes a 5.0 client with DISCONNECT 0x98; POST /clients/{id}/disconnect does too', () =>
  withHttp(async (f) => {
    const c5 = await connectClient(f.port, { clientId: 'kick5', protocolVersion: 5 });
    const seen = new Promise<number | undefined>((resolve) => c5.once('disconnect', (p) => resolve(p.reasonCode)));
    const closed = new Promise<void>((resolve) => c5.once('close', () => resolve()));
    const r = await f.json('/api/v1/clients/kick5', { method: 'DELETE' });
    assert.equal(r.status, 200);
    assert.equal(await seen, 0x98);
    await closed;
    await waitFor(() => f.broker.client('kick5')?.connected !== true, 3000, 'kick5 gone');

    const c4 = await connectClient(f.port, { clientId: 'kick4', clean: false });
    const closed4 = new Promise<void>((resolve) => c4.once('close', () => resolve()));
    assert.equal((await f.json('/api/v1/clients/kick4/disconnect', { method: 'POST' })).status, 200);
    await closed4;
    await waitFor(() => f.broker.client('kick4')?.connected === false, 3000, 'kick4 offline');
    // Its session stays (clean: false): a second disconnect finds no connection.
    assert.equal((await f.json('/api/v1/clients/kick4/disconnect', { method: 'POST' })).status, 409);
    assert.equal((await f.json('/api/v1/clients/ghost', { method: 'DELETE' })).status, 404);
    assert.equal((await f.json('/api/v1/clients/ghost/disconnect', { method: 'POST' })).status, 404);
    await endClient(c5);
    await endClient(c4);
  }));

test('subscriptions: listed with options and paginated', () =>
  withHttp(async (f) => {
    const c = await connectClient(f.port, { clientId: 'subber', protocolVersion: 5 });
    await c.subscribeAsync({ 'a/#': { qos: 1, nl: true }, 'b/+': { qos: 0 }, '$share/g/c': { qos: 2 } });
    const r = await f.json('/api/v1/subscriptions?limit=2');
    assert.equal(r.status, 200);
    assert.equal(r.body.total, 3);
    assert.equal((r.body.items as unknown[]).length, 2);
    const all = (await f.json('/api/v1/subscriptions')).body.items as { clientId: string; filter: string; qos: number; noLocal: boolean; group: string | undefined }[];
    const a = all.find((s) => s.filter === 'a/#');
    assert.deepEqual([a?.clientId, a?.qos, a?.noLocal], ['subber', 1, true]);
    assert.equal(all.find((s) => s.filter === '$share/g/c')?.group, 'g');
    assert.equal((await f.json('/api/v1/subscriptions?offset=x')).status, 400);
    await endClient(c);
  }));

test('retained: list by filter, get one (URL-encoded topic), delete it, 404s, bad filter 400', () =>
  withHttp(async (f) => {
    f.broker.publish('r/a', 'one', { retain: true, qos: 1 });
    f.broker.publish('r/b/c', Buffer.from([0xff, 0x00]), { retain: true });
    f.broker.publish('other', 'x', { retain: true });
    const all = await f.json('/api/v1/retained');
    assert.equal(all.body.total, 3);
    const filtered = await f.json(`/api/v1/retained?filter=${encodeURIComponent('r/#')}&limit=1`);
    assert.equal(filtered.body.total, 2);
    assert.deepEqual((filtered.body.items as { topic: string }[]).map((m) => m.topic), ['r/a']);

    const one = await f.json(`/api/v1/retained/${encodeURIComponent('r/a')}`);
    assert.equal(one.status, 200);
    assert.deepEqual([one.body.topic, one.body.payload, one.body.payloadBase64, one.body.qos], ['r/a', 'one', Buffer.from('one').toString('base64'), 1]);
    const binary = await f.json('/api/v1/retained/r/b/c');
    assert.equal(binary.body.payload, null);
    assert.equal(binary.body.payloadBase64, Buffer.from([0xff, 0x00]).toString('base64'));

    assert.equal((await f.json('/api/v1/retained/nothing')).status, 404);
    assert.equal((await f.json(`/api/v1/retained?filter=${encodeURIComponent('a/#/b')}`)).status, 400);
    const del = await f.json(`/api/v1/retained/${encodeURIComponent('r/a')}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(f.broker.retainedMessage('r/a'), undefined);
    assert.equal(f.broker.stats.retainedMessages, 2);
    assert.equal((await f.json(`/api/v1/retained/${encodeURIComponent('r/a')}`, { method: 'DELETE' })).status, 404);
    assert.equal((await f.json('/api/v1/retained', { method: 'POST' })).status, 405);
  }));

test('POST /api/v1/publish reaches an MQTT.js subscriber (utf8 and base64 payloads, retain, properties)', () =>
  withHttp(async (f) => {
    const sub = await connectClient(f.port, { clientId: 'listener', protocolVersion: 5 });
    const got = collect(sub);
    await sub.subscribeAsync('api/#', { qos: 1 });
    const post = (body: unknown): Promise<{ status: number; body: Record<string, unknown> }> =>
      f.json('/api/v1/publish', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const r = await post({ topic: 'api/text', payload: 'hi there', qos: 1, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    assert.equal(r.status, 200);
    assert.equal(r.body.delivered, 1);
    assert.equal((await post({ topic: 'api/bin', payloadBase64: Buffer.from([1, 2, 3]).toString('base64'), retain: true })).status, 200);
    await waitFor(() => got.length === 2, 3000, 'two messages');
    const text = got.find((m) => m.topic === 'api/text')!;
    assert.equal(text.payload.toString(), 'hi there');
    assert.equal(text.packet.qos, 1);
    assert.equal(text.packet.properties?.contentType, 'text/plain');
    assert.deepEqual({ ...text.packet.properties?.userProperties }, { k: 'v' });
    assert.deepEqual([...got.find((m) => m.topic === 'api/bin')!.payload], [1, 2, 3]);
    assert.notEqual(f.broker.retainedMessage('api/bin'), undefined);
    await endClient(sub);
  }));

test('publish bad input: 400 with a message, never a crash', () =>
  withHttp(async (f) => {
    const post = (body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> =>
      f.json('/api/v1/publish', { method: 'POST', headers, body });
    for (const body of [
      '{"topic": "a", "payload": "x"',
      'not json',
      '',
      '[1,2]',
      '{"payload": "x"}',
      '{"topic": "a/#", "payload": "x"}',
      '{"topic": "a", "qos": 3}',
      '{"topic": "a", "retain": "yes"}',
      '{"topic": "a", "payload": 5}',
      '{"topic": "a", "payload": "x", "payloadBase64": "eA=="}',
      '{"topic": "a", "payloadBase64": "**"}',
      '{"topic": "a", "properties": {"topicAlias": 3}}',
      '{"topic": "a", "properties": {"messageExpiryInterval": -1}}',
      '{"topic": "a", "properties": {"userProperties": [["k"]]}}',
    ]) {
      const r = await post(body);
      assert.equal(r.status, 400, body);
      assert.equal(typeof r.body.error, 'string', body);
    }
    assert.equal((await f.json('/api/v1/publish')).status, 405);
    assert.equal((await f.json('/api/v1/info')).status, 200);
  }));

test('a body over the cap gets 413 and the server keeps serving', async () => {
  const f = await startHttp({ maxBodyBytes: 64 * 1024 });
  try {
    const huge = JSON.stringify({ topic: 'a', payload: 'x'.repeat(2 * 1024 * 1024) });
    const r = await f.json('/api/v1/publish', { method: 'POST', body: huge });
    assert.equal(r.status, 413);
    assert.equal(typeof r.body.error, 'string');
    // Chunked upload without Content-Length: the cap applies while streaming.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
        controller.close();
      },
    });
    const chunked = await f.call('/api/v1/publish', { method: 'POST', body: stream, duplex: 'half' });
    assert.equal(chunked.status, 413);
    await chunked.text();
    assert.equal((await f.json('/healthz')).status, 200);
    assert.equal((await f.json('/api/v1/info')).status, 200);
  } finally {
    await f.stop();
  }
});

test('unknown API routes are 404, wrong methods 405 with Allow, a throwing handler 500 and logged', () =>
  withHttp(async (f) => {
    assert.equal((await f.json('/api/v1/nothing')).status, 404);
    assert.equal((await f.json('/api/v1/clients/a/b/c')).status, 404);
    assert.equal((await f.json('/api/v1/info/extra')).status, 404);
    const r = await f.call('/api/v1/clients', { method: 'PUT' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
    await r.text();
    f.broker.clients = () => {
      throw new Error('boom');
    };
    const boom = await f.json('/api/v1/clients');
    assert.equal(boom.status, 500);
    assert.deepEqual(boom.body, { error: 'internal error' });
    assert.equal(f.errors.length, 1);
    assert.equal((await f.json('/healthz')).status, 200);
  }));

test('retained: a message whose expiry interval has passed is neither listed nor fetched [MQTT-3.3.2-5]', () =>
  withHttp(async (f) => {
    const pub = await connectClient(f.port, { protocolVersion: 5, clientId: 'expiring' });
    await pub.publishAsync('exp/short', 'soon gone', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('exp/long', 'stays', { qos: 1, retain: true, properties: { messageExpiryInterval: 3600 } });
    await endClient(pub);
    const before = await f.json(`/api/v1/retained?filter=${encodeURIComponent('exp/#')}`);
    assert.equal(before.body.total, 2);
    // Wait for the one-second expiry by polling the API itself.
    await waitFor(() => f.broker.retained('exp/#').length === 1, 5000, 'expiry');
    const after = await f.json(`/api/v1/retained?filter=${encodeURIComponent('exp/#')}`);
    assert.equal(after.body.total, 1);
    assert.deepEqual((after.body.items as { topic: string }[]).map((m) => m.topic), ['exp/long']);
    assert.equal((await f.json(`/api/v1/retained/${encodeURIComponent('exp/short')}`)).status, 404);
    assert.equal((await f.json(`/api/v1/retained/${encodeURIComponent('exp/long')}`)).status, 200);
  }));
