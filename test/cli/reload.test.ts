// SIGHUP re-reads the configuration file: auth, ACL, rate limits, live capabilities and the log level change at once
// for a running `swiftlet`; every other change is logged as needing a restart; a bad file keeps the running settings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { IDisconnectPacket } from 'mqtt';
import { connectClient, endClient, waitFor } from '../helpers/broker.js';
import { logLines, mqttPort, run, waitForLog } from '../helpers/cli-process.js';
import { hashPasswordSync } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-reload-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HASH = hashPasswordSync('pw', { cost: 1024 });

test('SIGHUP applies auth, ACL, rate limit, capabilities and log level; logs restart-only changes; keeps running settings on a bad file', { timeout: 60_000 }, async () => {
  const file = join(dir, 'broker.yaml');
  // A plain ws listener has no certificates: SIGHUP must not report a failed certificate reload for it.
  writeFileSync(file, 'listeners:\n  - type: tcp\n    port: 0\n  - type: ws\n    port: 0\nlogging:\n  format: json\nsys:\n  interval: 0\n');
  const r = run(['--config', file]);
  try {
    const port = await mqttPort(r);
    // Before: no users, so loopback clients get in under the anonymous rules, with any client id length.
    const early = await connectClient(port, { protocolVersion: 5, clientId: 'early-client' });
    let earlyClosed = false;
    early.on('close', () => (earlyClosed = true));

    writeFileSync(
      file,
      [
        'listeners:',
        '  - type: tcp',
        '    port: 0',
        '  - type: ws',
        '    port: 0',
        'auth:',
        '  ledger:',
        '    users:',
        `      bob: { password: "${HASH}" }`,
        '    acl:',
        '      - { filter: "bob/#", access: readwrite }',
        'rateLimit:',
        '  publishPerSecond: 2',
        '  burst: 1',
        '  action: disconnect',
        'capabilities:',
        '  maximumClientIdLength: 8',
        '  maximumQoS: 1',
        'logging:',
        '  format: json',
        '  level: warn',
        'sys:',
        '  interval: 5',
        '',
      ].join('\n'),
    );
    r.child.kill('SIGHUP');
    await waitForLog(r, 'reload done');
    const restart = logLines(r).filter((l) => l.msg === 'configuration change needs a restart to take effect').map((l) => l.key);
    assert.deepEqual(restart.sort(), ['capabilities.maximumQoS', 'sys']);
    const applied = logLines(r).filter((l) => l.msg === 'configuration change applied').map((l) => l.change);
    assert.deepEqual(applied, ['auth', 'rateLimit', 'capabilities.maximumClientIdLength', 'logging.level']);
    assert.equal(logLines(r).filter((l) => l.msg === 'certificate reload failed, keeping the previous ones').length, 0);

    // Auth: anonymous is refused now (users exist), bob gets in; the connected client stays.
    await assert.rejects(connectClient(port, { protocolVersion: 5, clientId: 'anon' }), /Not authorized/);
    const bob = await connectClient(port, { protocolVersion: 5, clientId: 'bob', username: 'bob', password: 'pw' });
    assert.equal(earlyClosed, false);
    assert.equal(early.connected, true);
    // Capabilities: a client id longer than the new maximum is refused (0x85).
    await assert.rejects(connectClient(port, { protocolVersion: 5, clientId: 'much-too-long', username: 'bob', password: 'pw' }), /Client Identifier not valid/);
    // ACL: bob may publish under bob/ only (0x87 elsewhere).
    const denied = await bob.publishAsync('other/x', 'no', { qos: 1 }).then(
      () => undefined,
      (err: Error & { code?: number }) => err.code,
    );
    assert.equal(denied, 0x87);
    // Log level warn: bob's connect was not logged at info, the refusals were logged at warn.
    assert.equal(logLines(r).filter((l) => l.msg === 'client connected' && l.clientId === 'bob').length, 0);
    assert.ok(logLines(r).some((l) => l.msg === 'client refused' && l.clientId === 'anon'));
    // Rate limit with disconnect: the burst allows 2; the third message closes the connection with 0x96.
    const disconnect = new Promise<IDisconnectPacket>((done) => bob.once('disconnect', done));
    for (let i = 0; i < 5; i++) bob.publish('bob/t', String(i), { qos: 0 });
    assert.equal((await disconnect).reasonCode, 0x96);
    const limited = await waitForLog(r, 'publish rate limit reached; later limited messages of this connection are not logged', (l) => l.clientId === 'bob');
    assert.equal(limited.level, 40);
    await endClient(bob);

    // A broken file: every problem is logged and the running settings stay (bob still gets in, anonymous does not).
    writeFileSync(file, 'listeners:\n  - type: tcp\n    port: [\n');
    r.child.kill('SIGHUP');
    await waitForLog(r, 'invalid configuration, keeping the running one');
    const again = await connectClient(port, { protocolVersion: 5, clientId: 'bob2', username: 'bob', password: 'pw' });
    await endClient(again);
    await assert.rejects(connectClient(port, { protocolVersion: 5, clientId: 'anon2' }), /Not authorized/);
    await waitFor(() => early.connected, 1000, 'early client still connected');
    await endClient(early);
  } finally {
    r.child.kill('SIGTERM');
    await r.exited;
    if (process.env.DEBUG_RELOAD) console.log(r.stderr.join('\n'));
  }
  assert.equal(await r.exited, 0);
});
