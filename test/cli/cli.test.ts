// The swiftlet command end to end, as a child process: serve, stop, check-config, passwd, SIGHUP reload.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { IDisconnectPacket } from 'mqtt';
import { runCheckConfig } from '../../src/cli/check-config-command.js';
import { runServe } from '../../src/cli/serve-command.js';
import type { CommandIo } from '../../src/cli/serve-command.js';
import { hashPasswordSync, verifyPassword } from '../../src/index.js';
import { collect, connectClient, endClient, waitFor } from '../helpers/broker.js';
import { ROOT, mqttPort, run } from '../helpers/cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** In-memory streams for running a command in this process; lines collected without their newline. */
function memoryIo(env: Record<string, string> = {}): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const lines = (into: string[]) => (text: string) => into.push(...text.split('\n').filter((l) => l !== ''));
  return { out, err, env, stdout: { write: lines(out) }, stderr: { write: lines(err) } };
}

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('swiftlet serve', { concurrency: true }, () => {
  test('starts from a config file, serves publish/subscribe, and on SIGTERM sends DISCONNECT 0x8B and exits 0', async () => {
    const file = writeConfig('serve.yaml', 'listeners:\n  - type: tcp\n    port: 0\nlogging:\n  format: json\nsys:\n  interval: 0\n');
    const r = run(['--config', file, '--http-port', '0']);
    const port = await mqttPort(r);
    const httpLine = /^swiftlet: HTTP listening on (127\.0\.0\.1:\d+)$/;
    await waitFor(() => r.stdout.some((l) => httpLine.test(l)), 5000, 'HTTP line');
    const health = await fetch(`http://${httpLine.exec(r.stdout.find((l) => httpLine.test(l))!)![1]}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    const sub = await connectClient(port, { protocolVersion: 5, clientId: 'sub' });
    const got = collect(sub);
    await sub.subscribeAsync('t/#', { qos: 1 });
    const pub = await connectClient(port, { protocolVersion: 5, clientId: 'pub' });
    await pub.publishAsync('t/1', 'hello', { qos: 1 });
    await waitFor(() => got.length === 1, 5000, 'message');
    assert.equal(got[0]?.payload.toString(), 'hello');
    const disconnect = new Promise<IDisconnectPacket>((done) => sub.once('disconnect', done));
    r.child.kill('SIGTERM');
    const packet = await disconnect;
    assert.equal(packet.reasonCode, 0x8b);
    assert.equal(await r.exited, 0);
    assert.ok(r.stdout.includes('swiftlet: shutting down'));
    await endClient(sub);
    await endClient(pub);
  });

  test('an invalid configuration prints every error, starts nothing and exits 2', async () => {
    const file = writeConfig('bad.yaml', 'listeners:\n  - type: tcp\n    port: 0\n  - type: tcp\n    port: "80a"\nlogging:\n  level: loud\n');
    const io = memoryIo();
    assert.equal(await runServe(['--config', file], io), 2);
    assert.deepEqual(io.err, [
      'swiftlet: invalid configuration: listeners[1].port: expected an integer in 0..65535, found "80a"',
      'swiftlet: invalid configuration: logging.level: expected one of fatal, error, warn, info, debug, trace, silent, found "loud"',
    ]);
    assert.deepEqual(io.out, []);
  });

  test('flags override the environment: --port wins over SWIFTLET_PORT', async () => {
    const io = memoryIo({ SWIFTLET_PORT: '0' });
    assert.equal(await runServe(['--port', '80a'], io), 2);
    assert.deepEqual(io.err, ['swiftlet: invalid configuration: --port: expected an integer in 0..65535, found "80a"']);
  });

  test('SIGHUP reloads the ledger file: a new user can connect, an existing connection stays', async () => {
    const hash = hashPasswordSync('pw', { cost: 1024 });
    const ledger = writeConfig('ledger.yaml', `users:\n  alice:\n    password: "${hash}"\n`);
    const file = writeConfig('hup.yaml', `listeners:\n  - type: tcp\n    port: 0\nauth:\n  ledgerFile: ledger.yaml\nlogging:\n  format: json\nsys:\n  interval: 0\n`);
    const r = run(['--config', file]);
    const port = await mqttPort(r);
    const alice = await connectClient(port, { protocolVersion: 5, clientId: 'alice', username: 'alice', password: 'pw' });
    let aliceClosed = false;
    alice.on('close', () => {
      aliceClosed = true;
    });
    await assert.rejects(connectClient(port, { protocolVersion: 5, clientId: 'bob', username: 'bob', password: 'pw' }));
    writeFileSync(ledger, `users:\n  alice:\n    password: "${hash}"\n  bob:\n    password: "${hash}"\n`);
    r.child.kill('SIGHUP');
    await waitFor(() => r.stderr.some((l) => l.includes('"msg":"reload done"') && l.includes('"ledger":true')), 10_000, 'reload');
    const bob = await connectClient(port, { protocolVersion: 5, clientId: 'bob', username: 'bob', password: 'pw' });
    assert.equal(aliceClosed, false);
    assert.equal(alice.connected, true);
    await bob.publishAsync('x', 'y', { qos: 1 });
    r.child.kill('SIGINT');
    assert.equal(await r.exited, 0);
    await endClient(alice);
    await endClient(bob);
  });
});

describe('swiftlet check-config', () => {
  test('a good file prints ok and exits 0', async () => {
    const file = writeConfig('good.yaml', 'listeners:\n  - type: tcp\n    port: 1883\n');
    const io = memoryIo();
    assert.equal(await runCheckConfig([file], io), 0);
    assert.deepEqual(io.out, ['ok']);
  });

  test('the bundled example is valid', async () => {
    const io = memoryIo();
    assert.equal(await runCheckConfig([join(ROOT, 'examples/swiftlet.yaml')], io), 0, io.err.join('\n'));
    assert.deepEqual(io.out, ['ok']);
  });

  test('a bad file prints the errors and exits 2 (through the real command)', async () => {
    const file = writeConfig('bad2.json', JSON.stringify({ listeners: [{ type: 'tcp', port: -1 }], extra: 1 }));
    const r = run(['check-config', file]);
    assert.equal(await r.exited, 2);
    assert.equal(r.stderr.length, 2);
    assert.ok(r.stderr.includes('swiftlet: invalid configuration: listeners[0].port: expected an integer in 0..65535, found -1'));
    assert.deepEqual(r.stdout, []);
  });
});

describe('swiftlet passwd', () => {
  test('reads the password from stdin and prints a hash that verifies', async () => {
    const r = run(['passwd']);
    r.child.stdin.end('s3cret pass\n');
    assert.equal(await r.exited, 0);
    assert.equal(r.stdout.length, 1);
    const hash = r.stdout[0]!;
    assert.match(hash, /^scrypt\$/);
    assert.equal(await verifyPassword('s3cret pass', hash), true);
    assert.equal(await verifyPassword('s3cret pass\n', hash), false);
  });

});

test('bench delegation still answers', async () => {
  const r = run(['bench', 'presets']);
  assert.equal(await r.exited, 0);
  assert.ok(r.stdout.length > 0);
});

