// The dashboard's server side: static files and their headers, the read-only token (403 on every change),
// /api/v1/token, and the event stream (/api/v1/events) with stats and client connect/disconnect events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDashboardBundle } from '../../src/http/dashboard/build-bundle.js';
import { readBundleDir } from '../../src/http/dashboard/dashboard-bundle.js';
import { connectClient, endClient, waitFor } from '../helpers/broker.js';
import { readEventStream } from './event-stream-reader.js';
import { startHttp } from './support.js';
import type { HttpFixture } from './support.js';
import type { HttpServerOptions } from '../../src/http/http-server.js';

const READ_ONLY = 'read-only-token-0123456789';

async function withHttp(fn: (f: HttpFixture) => Promise<void>, options: Partial<HttpServerOptions> = { readOnlyToken: READ_ONLY }): Promise<void> {
  const f = await startHttp(options);
  try {
    await fn(f);
  } finally {
    await f.stop();
  }
}

test('GET / serves the page, /dashboard/app.js and app.css the bundle, with a strict CSP and ETags', () =>
  withHttp(async (f) => {
    const page = await f.call('/', { token: null });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/dashboard\/app.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="\/dashboard\/app.css">/);
    // Served from this server only: no CDN.
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);

    const js = await f.call('/dashboard/app.js', { token: null });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const jsText = await js.text();
    assert.ok(jsText.length > 1000);
    // fetch asks for gzip and unpacks it; the raw size is far smaller than the text.
    assert.equal(js.headers.get('content-encoding'), 'gzip');
    assert.ok(Number(js.headers.get('content-length')) < jsText.length / 2);
    const plain = await f.call('/dashboard/app.js', { token: null, headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(await plain.text(), jsText);
    const css = await f.call('/dashboard/app.css', { token: null });
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.match(await css.text(), /uplot/);

    const etag = js.headers.get('etag');
    assert.ok(etag !== null);
    const again = await f.call('/dashboard/app.js', { token: null, headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    await again.text();

    const head = await f.call('/', { token: null, method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    for (const path of ['/dashboard/nothing.js', '/dashboard/index.html', '/dashboard/', '/other']) {
      const r = await f.call(path, { token: null });
      assert.equal(r.status, 404, path);
      await r.text();
    }
    const post = await f.call('/', { token: null, method: 'POST' });
    assert.equal(post.status, 405);
    await post.text();
  }));

test('the dashboard is off without a token and with dashboard: false', async () => {
  for (const options of [{ token: undefined }, { dashboard: false }] as Partial<HttpServerOptions>[]) {
    await withHttp(async (f) => {
      const r = await f.call('/', { token: null });
      assert.equal(r.status, 404, JSON.stringify(options));
      await r.text();
      assert.equal((await f.json('/healthz')).status, 200);
    }, options);
  }
});

test('GET /api/v1/token tells the scope of the token; a wrong one is 401', () =>
  withHttp(async (f) => {
    assert.deepEqual(await f.json('/api/v1/token'), { status: 200, body: { scope: 'full' } });
    assert.deepEqual(await f.json('/api/v1/token', { token: READ_ONLY }), { status: 200, body: { scope: 'read-only' } });
    assert.equal((await f.json('/api/v1/token', { token: 'read-only-token-012345678' })).status, 401);
    assert.equal((await f.json('/api/v1/token', { token: null })).status, 401);
    assert.equal((await f.json('/api/v1/token', { method: 'POST' })).status, 405);
  }));

test('the read-only token reads every GET route but gets 403 for disconnect, delete and publish, which change nothing', () =>
  withHttp(async (f) => {
    const c = await connectClient(f.port, { clientId: 'watched' });
    const sub = await connectClient(f.port, { clientId: 'listener' });
    await sub.subscribeAsync('ro/#');
    const got: string[] = [];
    sub.on('message', (topic) => got.push(topic));
    f.broker.publish('kept', 'x', { retain: true });
    for (const path of ['/api/v1/clients', '/api/v1/clients/watched', '/api/v1/subscriptions', '/api/v1/retained', '/api/v1/retained/kept', '/api/v1/info', '/api/v1/stats']) {
      assert.equal((await f.json(path, { token: READ_ONLY })).status, 200, path);
    }
    const refused = [
      ['DELETE', '/api/v1/clients/watched'],
      ['POST', '/api/v1/clients/watched/disconnect'],
      ['DELETE', '/api/v1/retained/kept'],
      ['POST', '/api/v1/publish'],
      ['PUT', '/api/v1/clients'],
    ] as const;
    for (const [method, path] of refused) {
      const r = await f.json(path, { token: READ_ONLY, method, body: JSON.stringify({ topic: 'ro/new', payload: 'p' }) });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.match(String(r.body.error), /read-only/);
    }
    assert.equal(f.broker.client('watched')?.connected, true);
    assert.notEqual(f.broker.retainedMessage('kept'), undefined);
    // The full token still can: its publish arrives, the refused one never did.
    assert.equal((await f.json('/api/v1/publish', { method: 'POST', body: JSON.stringify({ topic: 'ro/full', payload: 'p' }) })).status, 200);
    await waitFor(() => got.length > 0, 3000, 'the full-token publish');
    assert.deepEqual(got, ['ro/full']);
    await endClient(c);
    await endClient(sub);
  }));

test('/api/v1/events: hello with the scope, a stats snapshot each second, client connected and disconnected events', () =>
  withHttp(async (f) => {
    assert.equal((await f.json('/api/v1/events', { token: 'wrong-token-0123456789' })).status, 401);
    const head = await f.call('/api/v1/events', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const res = await f.call('/api/v1/events', { token: READ_ONLY });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const stream = readEventStream(res);
    try {
      const hello = await stream.next('hello');
      assert.equal(hello.scope, 'read-only');
      assert.equal(hello.nodeId, f.broker.id);
      const first = await stream.next('stats');
      assert.equal(first.clientsConnected, 0);
      assert.equal(typeof (first.memory as { rss: number }).rss, 'number');
      assert.equal(typeof (first.eventLoopDelayMs as { p99: number }).p99, 'number');
      assert.equal((first.listeners as { id: string }[])[0]?.id, 'tcp');

      // A clean session: connected, then gone with its connection (client null).
      const c = await connectClient(f.port, { clientId: 'live-1' });
      const connected = await stream.next('client');
      assert.equal(connected.event, 'connected');
      assert.equal(connected.id, 'live-1');
      assert.equal((connected.client as { connected: boolean }).connected, true);
      const later = await stream.next('stats', 3000);
      assert.equal(later.clientsConnected, 1);
      assert.ok((later.time as number) > (first.time as number));
      await endClient(c);
      // The session ends with the connection: session-ended, and disconnected with no session left.
      const ended = await stream.next('client', 5000, (d) => d.event === 'session-ended');
      assert.deepEqual([ended.id, ended.client], ['live-1', null]);
      const gone = await stream.next('client', 5000, (d) => d.event === 'disconnected');
      assert.deepEqual([gone.id, gone.client], ['live-1', null]);

      // A persistent 5.0 session stays, offline.
      const p = await connectClient(f.port, { clientId: 'live-2', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
      assert.equal((await stream.next('client')).event, 'connected');
      await endClient(p);
      const offline = await stream.next('client');
      assert.equal(offline.event, 'disconnected');
      assert.equal((offline.client as { connected: boolean; keepAlive: number }).connected, false);
      assert.equal((offline.client as { keepAlive: number }).keepAlive, 60);
    } finally {
      await stream.close();
    }
  }));

test('event streams: a second stream after the first closed still gets client events; close() ends open streams', () =>
  withHttp(async (f) => {
    const one = readEventStream(await f.call('/api/v1/events'));
    await one.next('hello');
    await one.close();
    const two = readEventStream(await f.call('/api/v1/events'));
    await two.next('hello');
    const c = await connectClient(f.port, { clientId: 'again' });
    assert.equal((await two.next('client')).id, 'again');
    await endClient(c);
    // Closing the server ends the stream (no hanging connection).
    await f.http.close();
    await assert.rejects(two.next('never', 5000), /stream ended/);
  }));

test('the bundle builds to a few hundred KB at most and reads back from a folder as npm run build writes it', async () => {
  const files = await buildDashboardBundle();
  assert.deepEqual([...files.keys()].sort(), ['app.css', 'app.js', 'index.html']);
  const total = [...files.values()].reduce((n, b) => n + b.length, 0);
  assert.ok(total < 300 * 1024, `bundle is ${total} bytes`);
  const dir = await mkdtemp(join(tmpdir(), 'swiftlet-dashboard-'));
  try {
    for (const [name, body] of files) await writeFile(join(dir, name), body);
    const read = await readBundleDir(dir);
    assert.deepEqual([...read.keys()].sort(), ['app.css', 'app.js', 'index.html']);
    assert.ok(read.get('app.js')!.equals(files.get('app.js')!));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
