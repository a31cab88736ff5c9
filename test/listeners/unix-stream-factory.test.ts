// UnixListener (temp dir), StreamListener (in-memory pair) and createListener from config objects.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createListener, type ListenerConfig } from '../../src/listeners/create-listener.js';
import { StreamListener } from '../../src/listeners/stream-listener.js';
import { TcpListener } from '../../src/listeners/tcp-listener.js';
import { TlsListener } from '../../src/listeners/tls-listener.js';
import { UnixListener } from '../../src/listeners/unix-listener.js';
import { WebSocketListener } from '../../src/listeners/websocket-listener.js';
import { createEcho, duplexPair, readBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-unix-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('unix: bytes round-trip; a stale socket file is replaced and the file is removed on close', async () => {
  const path = join(dir, 'stale.sock');
  // Leave a real socket file behind, as a crashed broker would: a child binds it and dies by SIGKILL.
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.ok(existsSync(path));

  const echo = createEcho();
  const listener = new UnixListener({ id: 'local', path });
  await listener.listen(echo.handler);
  assert.deepEqual(listener.address(), { path });
  const client = connect(path);
  await once(client, 'connect');
  client.write('over unix');
  assert.equal((await readBytes(client, 9)).toString(), 'over unix');
  const { meta } = await echo.next();
  assert.equal(meta.listenerId, 'local');
  assert.equal(meta.transport, 'unix');
  assert.equal(meta.localAddress, path);
  assert.equal(listener.stats().accepted, 1);

  await listener.close();
  assert.equal(existsSync(path), false);
  client.destroy();
  echo.destroyAll();
});

test('unix: a regular file at the path is left alone and listen() fails', async () => {
  const path = join(dir, 'not-a-socket');
  writeFileSync(path, 'precious');
  const listener = new UnixListener({ path });
  await assert.rejects(listener.listen(() => undefined), /not a socket/);
  assert.ok(existsSync(path));
});

test('stream: accept() hands an in-memory duplex to the broker with merged meta', async () => {
  const echo = createEcho();
  const listener = new StreamListener({ id: 'embedded' });
  const [client, server] = duplexPair();
  assert.throws(() => listener.accept(server), /not listening/);
  await listener.listen(echo.handler);
  listener.accept(server, { remoteAddress: 'in-process', listenerId: 'spoofed' });
  client.write('in memory');
  assert.equal((await readBytes(client, 9)).toString(), 'in memory');
  const { meta } = await echo.next();
  assert.deepEqual(meta, { listenerId: 'embedded', transport: 'stream', remoteAddress: 'in-process', remotePort: 0, localAddress: '', localPort: 0 });
  assert.equal(listener.stats().accepted, 1);
  assert.equal(listener.address(), undefined);
  await listener.close();
  assert.throws(() => listener.accept(duplexPair()[1]), /not listening/);
  client.destroy();
  server.destroy();
});

test('createListener: builds each type from a plain config and rejects unknown types', () => {
  assert.ok(createListener({ type: 'tcp', port: 0 }) instanceof TcpListener);
  assert.ok(createListener({ type: 'tls', port: 0, cert: 'c.pem', key: 'k.pem' }) instanceof TlsListener);
  const ws = createListener({ type: 'ws', port: 0 });
  assert.ok(ws instanceof WebSocketListener);
  assert.equal(ws.transport, 'ws');
  const wss = createListener({ type: 'wss', port: 0, certFile: 'c.pem', keyFile: 'k.pem' });
  assert.equal(wss.transport, 'wss');
  assert.equal(wss.id, 'wss');
  assert.ok(createListener({ type: 'unix', path: join(dir, 'x.sock') }) instanceof UnixListener);
  assert.throws(() => createListener({ type: 'quic', port: 0 } as unknown as ListenerConfig), /unknown listener type "quic"/);
});

test('createListener: a config-built tcp listener serves bytes', async () => {
  const listener = createListener({ type: 'tcp', id: 'from-config', port: 0, maxConnections: 5 });
  const echo = createEcho();
  await listener.listen(echo.handler);
  const address = listener.address();
  assert.ok(address !== undefined && 'port' in address);
  const client = connect(address.port, '127.0.0.1');
  client.write('cfg');
  assert.equal((await readBytes(client, 3)).toString(), 'cfg');
  assert.equal((await echo.next()).meta.listenerId, 'from-config');
  client.destroy();
  echo.destroyAll();
  await listener.close();
});
