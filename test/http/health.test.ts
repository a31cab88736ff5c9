// /healthz and /readyz across the broker's life, options that disable parts, and the listen/close cycle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker } from '../../src/index.js';
import { HttpServer } from '../../src/http/http-server.js';
import { TcpListener } from '../../src/listeners/tcp-listener.js';
import { startHttp } from './support.js';

test('readyz is 503 before serve(), 200 while serving, 503 after close(); healthz is 200 throughout', async () => {
  const broker = new Broker({ sysInterval: 0 });
  await broker.addListener(new TcpListener({ id: 'tcp', host: '127.0.0.1', port: 0 }));
  const http = new HttpServer(broker, { port: 0 });
  await http.listen();
  const base = `http://127.0.0.1:${http.address()!.port}`;
  try {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const before = await fetch(`${base}/readyz`);
    assert.equal(before.status, 503);
    assert.deepEqual(await before.json(), { status: 'not ready' });
    await broker.serve();
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    await broker.close(100);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
  } finally {
    await broker.close(100);
    await http.close();
  }
  assert.equal(http.address(), undefined);
});

test('default host is 127.0.0.1 and close() is idempotent', async () => {
  const f = await startHttp();
  try {
    assert.equal(f.http.address()!.host, '127.0.0.1');
  } finally {
    await f.stop();
  }
  await f.http.close();
});

test('without a token the API is disabled and answers 404, even with an Authorization header', async () => {
  const f = await startHttp({ token: undefined });
  try {
    assert.equal((await f.call('/api/v1/info', { token: null })).status, 404);
    assert.equal((await f.call('/api/v1/info', { token: 'anything' })).status, 404);
    assert.equal((await f.call('/healthz')).status, 200);
  } finally {
    await f.stop();
  }
});

test('api: false and metrics: false switch those routes off (404)', async () => {
  const f = await startHttp({ api: false, metrics: false });
  try {
    assert.equal((await f.call('/api/v1/info')).status, 404);
    assert.equal((await f.call('/metrics')).status, 404);
  } finally {
    await f.stop();
  }
});

test('unknown paths are 404 and wrong methods on probes are 405 with Allow', async () => {
  const f = await startHttp();
  try {
    const r = await f.json('/nope');
    assert.equal(r.status, 404);
    assert.equal(typeof r.body.error, 'string');
    const post = await f.call('/healthz', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
  } finally {
    await f.stop();
  }
});

test('listen() on a port in use rejects and leaves the server closed', async () => {
  const f = await startHttp();
  const other = new HttpServer(f.broker, { port: f.http.address()!.port });
  try {
    await assert.rejects(other.listen(), /EADDRINUSE/);
    assert.equal(other.address(), undefined);
  } finally {
    await other.close();
    await f.stop();
  }
});
