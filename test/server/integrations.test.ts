// Integrations from the configuration file: hook modules loaded by the `swiftlet` command (child process),
// a module that fails to load, secrets kept out of the log, and IntegrationHooks.apply (what a reload calls).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { validateConfig } from '../../src/config/validate-config.js';
import { SwiftletServer } from '../../src/server/create-server.js';
import { ReasonCode } from '../../src/index.js';
import { waitFor } from '../helpers/broker.js';
import { mqttPort, run as runCommand } from '../helpers/cli-process.js';
import type { Running } from '../helpers/cli-process.js';
import { deadUrl, startEndpoint } from '../helpers/http-endpoint.js';
import { connackCode } from '../helpers/raw-session.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-integrations-'));
/** Every child started, killed at the end whatever happened, so a failed assertion cannot leave one running. */
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A hook module that lets in only the user named in its options, and logs through the context it is given. */
const ONLY_USER_MODULE = `
export default function create(options, context) {
  context.logger.info({ module: context.modulePath }, 'only-user hook built');
  return {
    id: 'only-user',
    authenticate(client, auth) {
      return auth.username === options.user ? 'allow' : { decision: 'deny', reasonCode: 0x87 };
    },
  };
}
`;

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `swiftlet ARGS` (see helpers/cli-process), killed after the tests if still running; `stop()` sends SIGTERM. */
function run(args: string[], env: Record<string, string> = {}): Running & { stop(): Promise<number | null> } {
  const r = runCommand(args, env);
  children.add(r.child);
  void r.exited.then(() => children.delete(r.child));
  return {
    ...r,
    stop: () => {
      r.child.kill('SIGTERM');
      return r.exited;
    },
  };
}

describe('the swiftlet command with integration sections', () => {
  test('a hook module from the config file (path relative to it) is loaded at start with its options', async () => {
    write('only-user.mjs', ONLY_USER_MODULE);
    const config = write('with-hook.yaml', 'listeners:\n  - { type: tcp, port: 0 }\nlogging: { format: json }\nsys: { interval: 0 }\nhooks:\n  - module: ./only-user.mjs\n    options: { user: alice }\n');
    const r = run(['--config', config]);
    const port = await mqttPort(r, 60_000);
    assert.equal(await connackCode(port, 5, 'a', { username: 'alice', password: 'x' }), ReasonCode.SUCCESS);
    assert.equal(await connackCode(port, 5, 'b', { username: 'bob', password: 'x' }), ReasonCode.NOT_AUTHORIZED);
    assert.equal(await connackCode(port, 4, 'b4', { username: 'bob', password: 'x' }), 5);
    assert.ok(r.stderr.some((l) => l.includes('only-user hook built')), 'the module logged through the broker logger');
    assert.equal(await r.stop(), 0);
  });

  test('a module that throws while loading fails the start with a message naming it (exit 2)', async () => {
    write('broken.mjs', 'throw new Error("kaboom at load");\n');
    const config = write('broken.yaml', 'listeners:\n  - { type: tcp, port: 0 }\nhooks:\n  - module: ./broken.mjs\n');
    const r = run(['--config', config]);
    assert.equal(await r.exited, 2);
    assert.ok(
      r.stderr.includes('swiftlet: invalid configuration: hooks[0] (./broken.mjs): cannot load the module: kaboom at load'),
      r.stderr.join('\n'),
    );
  });

  test('a factory that throws, or returns no hook, fails the start naming the module', async () => {
    write('bad-factory.mjs', 'export default () => { throw new Error("no options"); };\n');
    write('no-hook.mjs', 'export default () => 42;\n');
    for (const [name, expected] of [
      ['bad-factory.mjs', 'hooks[0] (./bad-factory.mjs): the factory failed: no options'],
      ['no-hook.mjs', 'hooks[0] (./no-hook.mjs): expected the factory to return a hook with a non-empty string id'],
    ] as const) {
      const config = write(`${name}.yaml`, `listeners:\n  - { type: tcp, port: 0 }\nhooks:\n  - module: ./${name}\n`);
      const r = run(['--config', config]);
      assert.equal(await r.exited, 2);
      assert.ok(r.stderr.includes(`swiftlet: invalid configuration: ${expected}`), r.stderr.join('\n'));
    }
  });

  test('secrets from ${ENV} references never appear in the log, even at trace level with failing services', async () => {
    const dead = await deadUrl();
    const config = write(
      'secrets.yaml',
      [
        'listeners:\n  - { type: tcp, port: 0 }',
        'logging: { level: trace, format: json }',
        'sys: { interval: 0 }',
        'auth:',
        '  http:',
        `    url: ${dead}/auth`,
        '    headers: { Authorization: "Bearer ${AUTH_TOKEN}" }',
        '  jwt:',
        '    secret: "${JWT_SECRET}"',
        'webhooks:',
        `  - url: ${dead}/hook`,
        '    secret: "${HOOK_SECRET}"',
        '    batch: { maxMessages: 1, maxDelayMs: 0 }',
        '    retry: { maxAttempts: 1 }',
        '',
      ].join('\n'),
    );
    const secrets = { AUTH_TOKEN: 'auth-token-0f9e8d', JWT_SECRET: 'jwt-secret-7a6b5c-long-enough-for-hs256', HOOK_SECRET: 'hook-secret-1a2b3c' };
    const r = run(['--config', config], secrets);
    const port = await mqttPort(r, 60_000);
    // The auth service is down: 0x88, and a warning with the (redacted) URL is logged.
    assert.equal(await connackCode(port, 5, 'sec', { username: 'user', password: 'password-of-user' }), ReasonCode.SERVER_UNAVAILABLE);
    await waitFor(() => r.stderr.some((l) => l.includes('service unavailable')), 5000, 'the warning');
    assert.equal(await r.stop(), 0);
    const log = r.stderr.join('\n');
    for (const value of [...Object.values(secrets), Buffer.from('password-of-user').toString('base64'), 'password-of-user']) {
      assert.ok(!log.includes(value), `the log holds ${value}`);
    }
  });
});

describe('IntegrationHooks.apply (the reload step)', () => {
  test('rebuilds module hooks from a changed file, keeps unchanged built-in hooks, and keeps everything when a build fails', async () => {
    const svc = await startEndpoint(() => ({ body: { result: 'ignore' } }));
    const moduleFile = write('reloadable.mjs', ONLY_USER_MODULE);
    const raw = {
      listeners: [{ type: 'tcp', port: 0 }],
      sys: { interval: 0 },
      auth: { http: { url: svc.url } },
      hooks: [{ module: './reloadable.mjs', options: { user: 'alice' } }],
    };
    const first = validateConfig(raw, { baseDir: dir });
    assert.deepEqual(first.issues, []);
    const server = await SwiftletServer.create(first.config, pino({ level: 'silent' }));
    const [address] = await server.start();
    const port = Number(address!.where.split(':')[1]);
    try {
      assert.equal(await connackCode(port, 5, 'r1', { username: 'alice', password: 'x' }), ReasonCode.SUCCESS);
      assert.equal(await connackCode(port, 5, 'r2', { username: 'bob', password: 'x' }), ReasonCode.NOT_AUTHORIZED);
      const httpHook = server.integrations.hooks.find((h) => h.id === 'http-auth');

      // The module file changes and so do its options (now bob is the one let in).
      writeFileSync(moduleFile, ONLY_USER_MODULE.replace("'only-user hook built'", "'only-user hook rebuilt'"));
      const second = validateConfig({ ...raw, hooks: [{ module: './reloadable.mjs', options: { user: 'bob' } }] }, { baseDir: dir });
      await server.integrations.apply(second.config);
      assert.equal(await connackCode(port, 5, 'r3', { username: 'alice', password: 'x' }), ReasonCode.NOT_AUTHORIZED);
      assert.equal(await connackCode(port, 5, 'r4', { username: 'bob', password: 'x' }), ReasonCode.SUCCESS);
      assert.equal(server.integrations.hooks.find((h) => h.id === 'http-auth'), httpHook, 'unchanged settings: the same HttpAuth instance');
      // The order stays: module hook, HttpAuth, then the ledger.
      const ids = server.integrations.hooks.map((h) => h.id);
      assert.deepEqual(ids, ['only-user', 'http-auth']);

      // A broken module: apply rejects naming it, and the previous hooks stay in place.
      writeFileSync(moduleFile, 'throw new Error("half-written file");\n');
      await assert.rejects(server.integrations.apply(second.config), /hooks\[0\] \(\.\/reloadable\.mjs\): cannot load the module: half-written file/);
      assert.equal(await connackCode(port, 5, 'r5', { username: 'bob', password: 'x' }), ReasonCode.SUCCESS);
      assert.equal(await connackCode(port, 5, 'r6', { username: 'alice', password: 'x' }), ReasonCode.NOT_AUTHORIZED);

      // Settings that change rebuild the built-in hook.
      const third = validateConfig({ ...raw, auth: { http: { url: svc.url, cacheSeconds: 5 } }, hooks: [] }, { baseDir: dir });
      await server.integrations.apply(third.config);
      assert.notEqual(server.integrations.hooks.find((h) => h.id === 'http-auth'), httpHook);
      assert.deepEqual(server.integrations.hooks.map((h) => h.id), ['http-auth']);
    } finally {
      await server.close();
      await svc.close();
    }
  });
});

describe('reload of the configured server', () => {
  test('server.reload(next) — what SIGHUP runs — rebuilds hook modules and reports them applied; a failing module is reported and the running hook stays', async () => {
    const moduleFile = write('reload-via-server.mjs', ONLY_USER_MODULE);
    const raw = { listeners: [{ type: 'tcp', port: 0 }], sys: { interval: 0 }, hooks: [{ module: './reload-via-server.mjs', options: { user: 'alice' } }] };
    const first = validateConfig(raw, { baseDir: dir });
    assert.deepEqual(first.issues, []);
    const server = await SwiftletServer.create(first.config, pino({ level: 'silent' }));
    const [address] = await server.start();
    const port = Number(address!.where.split(':')[1]);
    try {
      assert.equal(await connackCode(port, 5, 's1', { username: 'alice', password: 'x' }), ReasonCode.SUCCESS);
      const second = validateConfig({ ...raw, hooks: [{ module: './reload-via-server.mjs', options: { user: 'bob' } }] }, { baseDir: dir });
      const result = await server.reload(second.config);
      assert.ok(result.applied.includes('hooks, webhooks, auth.http, auth.jwt'), JSON.stringify(result));
      assert.ok(!result.restart.includes('hooks'), 'hooks do not need a restart');
      assert.equal(await connackCode(port, 5, 's2', { username: 'alice', password: 'x' }), ReasonCode.NOT_AUTHORIZED);
      assert.equal(await connackCode(port, 5, 's3', { username: 'bob', password: 'x' }), ReasonCode.SUCCESS);
      writeFileSync(moduleFile, 'throw new Error("broken on purpose");\n');
      const broken = await server.reload(second.config);
      assert.match(broken.failed.map((f) => f.error).join(' '), /broken on purpose/);
      assert.equal(await connackCode(port, 5, 's4', { username: 'bob', password: 'x' }), ReasonCode.SUCCESS, 'the running hook stays');
    } finally {
      await server.close();
    }
  });
});
