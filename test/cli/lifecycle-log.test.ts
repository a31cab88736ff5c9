// What an operator sees in the log: the startup summary, and one line per client connected, disconnected or refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectClient, endClient } from '../helpers/broker.js';
import { logLines, mqttPort, run, waitForLog } from '../helpers/cli-process.js';
import { VERSION, hashPasswordSync } from '../../src/index.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { startupSummary } from '../../src/server/startup-summary.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-lifecycle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('startup summary: version, listeners, auth mode, storage, HTTP and API state on one line', async () => {
  const r = run(['--port', '0', '--log-format', 'json', '--http-port', '0']);
  try {
    const port = await mqttPort(r);
    const line = await waitForLog(r, 'swiftlet started');
    assert.equal(line.level, 30);
    assert.equal(line.version, VERSION);
    assert.deepEqual(line.listeners, [`tcp 127.0.0.1:${port}`]);
    assert.equal(line.auth, 'anonymous: loopback only; users: none');
    assert.equal(line.storage, 'memory');
    assert.match(String(line.http), /^127\.0\.0\.1:\d+$/);
    assert.equal(line.metrics, 'on');
    assert.equal(line.api, 'off (no token)');
  } finally {
    r.child.kill('SIGTERM');
  }
  assert.equal(await r.exited, 0);
});

test('connected and disconnected at info, refused at warn with the reason code and its name', async () => {
  const hash = hashPasswordSync('pw', { cost: 1024 });
  const file = join(dir, 'users.yaml');
  writeFileSync(file, `listeners:\n  - type: tcp\n    port: 0\nauth:\n  ledger:\n    users:\n      alice:\n        password: "${hash}"\nlogging:\n  format: json\nsys:\n  interval: 0\n`);
  const r = run(['--config', file]);
  try {
    const port = await mqttPort(r);
    const summary = await waitForLog(r, 'swiftlet started');
    assert.equal(summary.auth, 'anonymous: refused; users: 1');
    assert.equal(summary.http, 'off');

    const alice = await connectClient(port, { protocolVersion: 5, clientId: 'alice-1', username: 'alice', password: 'pw', keepalive: 42, clean: true });
    const connected = await waitForLog(r, 'client connected', (l) => l.clientId === 'alice-1');
    assert.equal(connected.level, 30);
    assert.equal(connected.username, 'alice');
    assert.match(String(connected.address), /^127\.0\.0\.1:\d+$/);
    assert.equal(connected.listener, 'tcp');
    assert.equal(connected.protocolVersion, 5);
    assert.equal(connected.keepAlive, 42);
    assert.equal(connected.cleanStart, true);

    await alice.endAsync();
    const gone = await waitForLog(r, 'client disconnected', (l) => l.clientId === 'alice-1');
    assert.equal(gone.level, 30);
    assert.equal(gone.reasonCode, '0x00');
    assert.equal(gone.reason, 'Normal disconnection');
    assert.equal(gone.byServer, false);
    assert.equal(typeof gone.durationSeconds, 'number');

    // An anonymous 3.1.1 client is refused (return code 5): the line names the 5.0 reason.
    await assert.rejects(connectClient(port, { protocolVersion: 4, clientId: 'anon-1' }));
    const refused = await waitForLog(r, 'client refused', (l) => l.clientId === 'anon-1');
    assert.equal(refused.level, 40);
    assert.equal(refused.reasonCode, '0x87');
    assert.equal(refused.reason, 'Not authorized');
    assert.equal(refused.protocolVersion, 4);
    assert.equal(refused.listener, 'tcp');

    await assert.rejects(connectClient(port, { protocolVersion: 5, clientId: 'wrong-pw', username: 'alice', password: 'nope' }));
    const bad = await waitForLog(r, 'client refused', (l) => l.clientId === 'wrong-pw');
    assert.equal(bad.reasonCode, '0x86');
    assert.equal(bad.reason, 'Bad User Name or Password');
    assert.equal(bad.username, 'alice');
    // A refused client never counts as connected, so no disconnected line follows for it.
    assert.equal(logLines(r).filter((l) => l.msg === 'client disconnected' && l.clientId === 'anon-1').length, 0);
    const other = await connectClient(port, { protocolVersion: 5, clientId: 'alice-2', username: 'alice', password: 'pw' });
    await endClient(other);
  } finally {
    r.child.kill('SIGTERM');
  }
  assert.equal(await r.exited, 0);
});

test('startup summary names a Redis storage by host (or sentinel name, or cluster), never with its credentials', () => {
  const summary = (storage: unknown): unknown => {
    const { config, issues } = validateConfig({ storage });
    assert.deepEqual(issues, []);
    return startupSummary(config, [], undefined).storage;
  };
  assert.equal(summary({ type: 'redis', url: 'redis://user:secret@10.0.0.5:6380/2' }), 'redis 10.0.0.5:6380');
  assert.equal(summary({ type: 'redis' }), 'redis 127.0.0.1:6379');
  assert.equal(summary({ type: 'redis', sentinel: { sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster', password: 'p' } }), 'redis sentinel mymaster');
  assert.equal(summary({ type: 'redis', cluster: { nodes: [{ host: 'n1', port: 7000 }], password: 'p' } }), 'redis cluster');
});
