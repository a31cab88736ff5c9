// Secure defaults: anonymous clients only from loopback while no users exist; users configured → anonymous refused.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import mqtt from 'mqtt';
import { createAuthLedger } from '../../src/server/auth-setup.js';
import { createLogger } from '../../src/server/create-logger.js';
import { SwiftletServer } from '../../src/server/create-server.js';
import { formatLogLine } from '../../src/server/pretty-log.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { hashPasswordSync } from '../../src/index.js';
import type { AuthResult, ClientInfo, ConnectAuth, Decision } from '../../src/index.js';
import { connectClient, endClient } from '../helpers/broker.js';

const CHEAP = { cost: 1024 };
const HASH = hashPasswordSync('pw', CHEAP);

function authOf(raw: unknown): ReturnType<typeof createAuthLedger> {
  const { config, issues } = validateConfig({ auth: raw });
  assert.deepEqual(issues, []);
  return createAuthLedger(config.auth);
}

/** Runs the ledger's authenticate for a fake remote address (a non-loopback peer cannot be produced in a test). */
async function decide(ledger: ReturnType<typeof createAuthLedger>, remoteAddress: string, username?: string, password?: string): Promise<AuthResult> {
  const meta = { listenerId: 'tcp', transport: 'tcp', remoteAddress, remotePort: 1, localAddress: '127.0.0.1', localPort: 1883 };
  const auth: ConnectAuth = {
    clientId: 'c',
    username,
    password: password === undefined ? undefined : Buffer.from(password),
    authenticationMethod: undefined,
    authenticationData: undefined,
    meta,
  };
  const r: Decision | AuthResult = await ledger.authenticate({} as ClientInfo, auth);
  return typeof r === 'string' ? { decision: r } : r;
}

describe('secure default auth rules', () => {
  test('no users: anonymous from loopback (IPv4, IPv6, mapped IPv4) is allowed', async () => {
    const ledger = authOf(undefined);
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      assert.equal((await decide(ledger, address)).decision, 'allow', address);
    }
  });

  test('no users: anonymous from another address is refused with 0x87', async () => {
    const ledger = authOf(undefined);
    for (const address of ['203.0.113.5', '10.0.0.1', '::ffff:192.168.1.2', 'fd00::1']) {
      const r = await decide(ledger, address);
      assert.equal(r.decision, 'deny', address);
      assert.equal(r.reasonCode, 0x87);
    }
  });

  test('no users: a client presenting a user name is treated under the anonymous rules (loopback in, remote 0x87)', async () => {
    assert.equal((await decide(authOf(undefined), '127.0.0.1', 'admin', 'x')).decision, 'allow');
    assert.equal((await decide(authOf(undefined), '::1', 'device')).decision, 'allow');
    const remote = await decide(authOf(undefined), '203.0.113.5', 'admin', 'x');
    assert.equal(remote.decision, 'deny');
    assert.equal(remote.reasonCode, 0x87);
    assert.equal((await decide(authOf({ allowAnonymous: true }), '203.0.113.5', 'admin', 'x')).decision, 'allow');
    assert.equal((await decide(authOf({ allowAnonymous: false }), '127.0.0.1', 'admin', 'x')).decision, 'deny');
  });

  test('users configured: anonymous is refused even from loopback (0x87)', async () => {
    const ledger = authOf({ ledger: { users: { bob: { password: HASH } } } });
    const r = await decide(ledger, '127.0.0.1');
    assert.equal(r.decision, 'deny');
    assert.equal(r.reasonCode, 0x87);
    assert.equal((await decide(ledger, '203.0.113.5', 'bob', 'pw')).decision, 'allow');
    assert.equal((await decide(ledger, '127.0.0.1', 'bob', 'wrong')).decision, 'deny');
  });

  test('users configured + allowAnonymous: true lets anonymous clients in from anywhere', async () => {
    const ledger = authOf({ allowAnonymous: true, ledger: { users: { bob: { password: HASH } } } });
    assert.equal((await decide(ledger, '203.0.113.5')).decision, 'allow');
  });

  test('allowAnonymous: false without users refuses loopback too', async () => {
    assert.equal((await decide(authOf({ allowAnonymous: false }), '127.0.0.1')).decision, 'deny');
  });
});

describe('SwiftletServer built from a config', () => {
  const silent = createLogger({ level: 'silent', format: 'json' });

  async function start(raw: unknown): Promise<{ server: SwiftletServer; port: number }> {
    const { config, issues } = validateConfig(raw);
    assert.deepEqual(issues, []);
    const server = await SwiftletServer.create(config, silent);
    const bound = await server.start();
    const port = Number(bound[0]?.where.split(':').pop());
    return { server, port };
  }

  function refusal(port: number, protocolVersion: 4 | 5): Promise<number | undefined> {
    return new Promise((resolve) => {
      const client = mqtt.connect({ host: '127.0.0.1', port, protocolVersion, reconnectPeriod: 0, connectTimeout: 3000 });
      client.once('connect', () => {
        client.end(true);
        resolve(undefined);
      });
      client.once('error', (err: Error & { code?: number }) => {
        client.end(true);
        resolve(err.code);
      });
    });
  }

  test('with no auth section a loopback anonymous client connects', async () => {
    const { server, port } = await start({ listeners: [{ type: 'tcp', port: 0 }], sys: { interval: 0 } });
    try {
      const client = await connectClient(port, { protocolVersion: 5 });
      await endClient(client);
    } finally {
      await server.close();
    }
  });

  test('with no auth section a loopback 3.1.1 client that always sends a user name and password connects (anonymous rules)', async () => {
    const { server, port } = await start({ listeners: [{ type: 'tcp', port: 0 }], sys: { interval: 0 } });
    try {
      const client = await connectClient(port, { protocolVersion: 4, username: 'device-17', password: 'factory-default' });
      await endClient(client);
    } finally {
      await server.close();
    }
  });

  test('users configured: anonymous CONNECT gets CONNACK 0x87 (5.0) and 0x05 (3.1.1); the user gets in', async () => {
    const { server, port } = await start({ listeners: [{ type: 'tcp', port: 0 }], sys: { interval: 0 }, auth: { ledger: { users: { bob: { password: HASH } } } } });
    try {
      assert.equal(await refusal(port, 5), 0x87);
      assert.equal(await refusal(port, 4), 0x05);
      const client = await connectClient(port, { protocolVersion: 5, username: 'bob', password: 'pw' });
      await endClient(client);
    } finally {
      await server.close();
    }
  });

  test('the http section starts the HTTP server next to MQTT and reports where it is bound', async () => {
    const { config, issues } = validateConfig({ listeners: [{ type: 'tcp', port: 0 }], http: { port: 0, token: 'a-token-of-16-chars' }, sys: { interval: 0 } });
    assert.deepEqual(issues, []);
    const server = await SwiftletServer.create(config, silent);
    try {
      const bound = await server.start();
      assert.deepEqual(bound.map((b) => b.kind), ['MQTT', 'HTTP']);
      const res = await fetch(`http://${bound[1]!.where}/healthz`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      await server.close();
    }
  });

  test('ws and unix listeners are built through the listener factory', async () => {
    const sock = `${tmpdir()}/swiftlet-test-${process.pid}.sock`;
    const { config, issues } = validateConfig({ listeners: [{ type: 'ws', port: 0, path: '/mq' }, { type: 'unix', path: sock }], sys: { interval: 0 } });
    assert.deepEqual(issues, []);
    const server = await SwiftletServer.create(config, silent);
    try {
      const bound = await server.start();
      assert.equal(bound[1]?.where, sock);
      const client = await connectClient(0, { protocol: 'ws', host: '127.0.0.1', port: Number(bound[0]!.where.split(':').pop()), path: '/mq' });
      await endClient(client);
    } finally {
      await server.close();
    }
  });
});

describe('pretty log lines', () => {
  test('a pino JSON line becomes time, level, message and fields on one line', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2024, 0, 1, 12, 0, 0), pid: 1, hostname: 'h', msg: 'slow client', clientId: 'c 1', n: 3 });
    const out = formatLogLine(`${line}\n`);
    assert.match(out, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}slow client clientId="c 1" n=3\n$/);
  });

  test('non-JSON input passes through', () => {
    assert.equal(formatLogLine('plain'), 'plain\n');
  });

  test('format auto writes JSON to a non-terminal and text to a terminal', () => {
    const lines: string[] = [];
    createLogger({ level: 'info', format: 'auto' }, { write: (s) => lines.push(s), isTTY: false }).info({ a: 1 }, 'hello');
    createLogger({ level: 'info', format: 'auto' }, { write: (s) => lines.push(s), isTTY: true }).info({ a: 1 }, 'hello');
    assert.equal(JSON.parse(lines[0]!).msg, 'hello');
    assert.match(lines[1]!, / INFO {2}hello a=1\n$/);
  });
});
