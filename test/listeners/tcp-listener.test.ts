// TcpListener over real sockets on port 0: byte round trip, meta, close(), maxConnections and connectionRate.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { TcpListener } from '../../src/listeners/tcp-listener.js';
import { closed, createEcho, dial, readBytes } from './helpers.js';
import { portOf } from '../helpers/ports.js';

test('tcp: bytes round-trip and meta describes both ends', async () => {
  const echo = createEcho();
  const listener = new TcpListener({ id: 'plain', port: 0 });
  assert.equal(listener.address(), undefined);
  await listener.listen(echo.handler);
  const address = listener.address();
  assert.ok(address !== undefined && 'port' in address);
  assert.equal(address.host, '127.0.0.1');
  assert.ok(address.port > 0);

  const client = await dial(address.port);
  const payload = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c, 0x00, 0x00]);
  client.write(payload);
  assert.deepEqual(await readBytes(client, payload.length), payload);

  const { stream, meta } = await echo.next();
  assert.equal(meta.listenerId, 'plain');
  assert.equal(meta.transport, 'tcp');
  assert.equal(meta.remoteAddress, '127.0.0.1');
  assert.equal(meta.remotePort, client.localPort);
  assert.equal(meta.localPort, address.port);
  assert.equal(meta.certificate, undefined);
  // The hot path gets the net.Socket itself, not a wrapper.
  assert.equal(stream.constructor.name, 'Socket');
  assert.deepEqual(listener.stats(), { accepted: 1, refused: { maxConnections: 0, rate: 0, addressRate: 0, proxy: 0 }, open: 1 });

  client.destroy();
  await closed(stream);
  await listener.close();
});

test('tcp: on a wildcard address each connection reports the local address it arrived on', async () => {
  const echo = createEcho();
  const listener = new TcpListener({ id: 'any', host: '0.0.0.0', port: 0 });
  await listener.listen(echo.handler);
  const port = portOf(listener);
  const client = await dial(port);
  const { stream, meta } = await echo.next();
  // Bound to one address the listener's own is used; bound to all, the socket's.
  assert.equal(meta.localAddress, client.remoteAddress);
  assert.equal(meta.localAddress, '127.0.0.1');
  assert.equal(meta.localPort, port);
  client.destroy();
  await closed(stream);
  await listener.close();
});

test('tcp: on one bound address connections report it as their local end', async () => {
  const echo = createEcho();
  const listener = new TcpListener({ id: 'one', host: '127.0.0.1', port: 0 });
  await listener.listen(echo.handler);
  const port = portOf(listener);
  const client = await dial(port);
  const { stream, meta } = await echo.next();
  assert.equal(meta.localAddress, client.remoteAddress);
  assert.equal(meta.localPort, client.remotePort);
  client.destroy();
  await closed(stream);
  await listener.close();
});

test('tcp: close() stops accepting but leaves open streams to the broker', async () => {
  const echo = createEcho();
  const listener = new TcpListener({ port: 0 });
  await listener.listen(echo.handler);
  const port = portOf(listener);
  const client = await dial(port);
  await echo.next();
  await listener.close();

  const refused = connect(port, '127.0.0.1');
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNREFUSED');

  client.write('still here');
  assert.equal((await readBytes(client, 10)).toString(), 'still here');
  client.destroy();
  echo.destroyAll();
  await listener.close(); // idempotent
});

test('tcp: maxConnections refuses at accept and counts it; a slot frees when a client leaves', async () => {
  const echo = createEcho();
  const listener = new TcpListener({ port: 0, maxConnections: 1 });
  await listener.listen(echo.handler);
  const port = portOf(listener);
  const first = await dial(port);
  const { stream } = await echo.next();

  const second = await dial(port);
  await closed(second);
  assert.equal(listener.stats().refused.maxConnections, 1);
  assert.equal(echo.connections.length, 1);

  first.destroy();
  await closed(stream);
  const third = await dial(port);
  await echo.next();
  third.write('ok');
  assert.equal((await readBytes(third, 2)).toString(), 'ok');
  assert.deepEqual(listener.stats(), { accepted: 2, refused: { maxConnections: 1, rate: 0, addressRate: 0, proxy: 0 }, open: 1 });
  third.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tcp: connectionRate refuses beyond the burst and counts it', async () => {
  const echo = createEcho();
  // A refill rate this slow adds no token during the test, so exactly `burst` connections pass.
  const listener = new TcpListener({ port: 0, connectionRate: { perSecond: 0.001, burst: 2 } });
  await listener.listen(echo.handler);
  const port = portOf(listener);
  const a = await dial(port);
  await echo.next();
  const b = await dial(port);
  await echo.next();
  const c = await dial(port);
  await closed(c);
  const stats = listener.stats();
  assert.equal(stats.accepted, 2);
  assert.equal(stats.refused.rate, 1);
  assert.equal(stats.refused.maxConnections, 0);
  a.destroy();
  b.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tcp: invalid limits are rejected at construction', () => {
  assert.throws(() => new TcpListener({ port: 0, maxConnections: -1 }), RangeError);
  assert.throws(() => new TcpListener({ port: 0, connectionRate: { perSecond: 0 } }), RangeError);
  assert.throws(() => new TcpListener({ port: 0, proxyProtocol: { trusted: ['not-an-ip'] } }), TypeError);
});
