// The `bridges:` section: exact errors for unknown keys and bad values, and a configured server whose bridge logs in
// with a password read from a file or an environment variable.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatIssue } from '../../src/config/config-checker.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { SwiftletServer } from '../../src/server/create-server.js';
import { createLogger } from '../../src/server/create-logger.js';
import type { ClientInfo, ConnectAuth } from '../../src/index.js';
import { startBroker, waitFor } from '../helpers/broker.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-bridge-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'bridge.pass'), 's3cret\n');

function messages(raw: unknown): string[] {
  return validateConfig(raw, { baseDir: dir }).issues.map(formatIssue);
}

const ROUTE = { filter: 'a/#', direction: 'out' };

const BAD: { name: string; bridges: unknown; expected: string[] }[] = [
  { name: 'not a list', bridges: { name: 'x' }, expected: ['bridges: expected a list of bridges, found an object'] },
  {
    name: 'unknown key',
    bridges: [{ name: 'c', url: 'mqtt://h', topics: [ROUTE], pasword: 'x' }],
    expected: [
      'bridges[0].pasword: unknown key (expected one of name, url, protocolVersion, clientId, username, passwordFile, passwordEnv, tls, keepAlive, cleanStart, sessionExpiryInterval, topics, reconnectDelay, maxReconnectDelay, connectTimeout, maxInflight)',
    ],
  },
  { name: 'missing name and url', bridges: [{ topics: [ROUTE] }], expected: ['bridges[0].name: expected a non-empty string, found nothing', 'bridges[0].url: expected a non-empty string, found nothing'] },
  { name: 'bad scheme', bridges: [{ name: 'c', url: 'http://h:80', topics: [ROUTE] }], expected: ['bridges[0].url: expected a URL with scheme mqtt://, mqtts://, ws:// or wss://, found "http://h:80"'] },
  { name: 'not a URL', bridges: [{ name: 'c', url: 'cloud:1883x', topics: [ROUTE] }], expected: ['bridges[0].url: expected a URL with scheme mqtt://, mqtts://, ws:// or wss://, found "cloud:1883x"'] },
  { name: 'credentials in the URL', bridges: [{ name: 'c', url: 'mqtt://u:p@h', topics: [ROUTE] }], expected: ['bridges[0].url: expected a URL without credentials (use username and passwordFile or passwordEnv), found "mqtt://u:p@h"'] },
  { name: 'bad protocol version', bridges: [{ name: 'c', url: 'mqtt://h', protocolVersion: 6, topics: [ROUTE] }], expected: ['bridges[0].protocolVersion: expected one of 3, 4, 5, found 6'] },
  { name: 'no topics', bridges: [{ name: 'c', url: 'mqtt://h' }], expected: ['bridges[0].topics: expected a non-empty list of topic routes, found nothing'] },
  {
    name: 'bad route',
    bridges: [{ name: 'c', url: 'mqtt://h', topics: [{ filter: 'a/#/b', direction: 'sideways', qos: 3, remotePrefix: 'x/+/' }, { filter: 'ok', direction: 'in', extra: 1 }] }],
    expected: [
      'bridges[0].topics[0].filter: expected a valid topic filter (not shared), found "a/#/b"',
      'bridges[0].topics[0].direction: expected one of in, out, both, found "sideways"',
      'bridges[0].topics[0].qos: expected one of 0, 1, 2, found 3',
      "bridges[0].topics[0].remotePrefix: expected a topic prefix without wildcards ('' for none), found \"x/+/\"",
      'bridges[0].topics[1].extra: unknown key (expected one of filter, direction, qos, localPrefix, remotePrefix)',
    ],
  },
  { name: 'shared filter', bridges: [{ name: 'c', url: 'mqtt://h', topics: [{ filter: '$share/g/a', direction: 'in' }] }], expected: ['bridges[0].topics[0].filter: expected a valid topic filter (not shared), found "$share/g/a"'] },
  {
    name: 'both password sources, no username',
    bridges: [{ name: 'c', url: 'mqtt://h', topics: [ROUTE], passwordFile: 'bridge.pass', passwordEnv: 'PW' }],
    expected: ['bridges[0].passwordEnv: expected either passwordFile or passwordEnv, found both', 'bridges[0].username: expected a username with a password, found nothing'],
  },
  { name: 'password file missing', bridges: [{ name: 'c', url: 'mqtt://h', topics: [ROUTE], username: 'u', passwordFile: 'nope.pass' }], expected: ['bridges[0].passwordFile: expected a readable file, found "nope.pass"'] },
  { name: 'bad env name', bridges: [{ name: 'c', url: 'mqtt://h', topics: [ROUTE], username: 'u', passwordEnv: 'A-B' }], expected: ['bridges[0].passwordEnv: expected an environment variable name, found "A-B"'] },
  { name: 'tls on mqtt://', bridges: [{ name: 'c', url: 'mqtt://h', topics: [ROUTE], tls: { rejectUnauthorized: false } }], expected: ['bridges[0].tls: expected only with an mqtts:// or wss:// url, found "mqtt://h"'] },
  {
    name: 'tls keys',
    bridges: [{ name: 'c', url: 'mqtts://h', topics: [ROUTE], tls: { caFile: 'none.pem', certFile: 'bridge.pass', ca: 'x' } }],
    expected: [
      'bridges[0].tls.ca: unknown key (expected one of caFile, certFile, keyFile, rejectUnauthorized, servername)',
      'bridges[0].tls.caFile: expected a readable file, found "none.pem"',
      'bridges[0].tls.keyFile: expected certFile and keyFile together, found only one',
    ],
  },
  {
    name: 'numbers out of range',
    bridges: [{ name: 'c', url: 'mqtt://h', topics: [ROUTE], keepAlive: -1, maxInflight: 0, reconnectDelay: 0, cleanStart: 'no' }],
    expected: [
      'bridges[0].keepAlive: expected an integer in 0..65535, found -1',
      'bridges[0].cleanStart: expected true or false, found "no"',
      'bridges[0].reconnectDelay: expected a number greater than 0, found 0',
      'bridges[0].maxInflight: expected an integer in 1..65535, found 0',
    ],
  },
  { name: 'bad name', bridges: [{ name: 'a b', url: 'mqtt://h', topics: [ROUTE] }], expected: ['bridges[0].name: expected letters, digits, _ . or -, found "a b"'] },
  {
    name: 'duplicate names',
    bridges: [
      { name: 'c', url: 'mqtt://h', topics: [ROUTE] },
      { name: 'c', url: 'mqtt://g', topics: [ROUTE] },
    ],
    expected: ['bridges[1].name: duplicate bridge name "c"'],
  },
];

for (const { name, bridges, expected } of BAD) {
  test(`bridges: ${name}`, () => {
    assert.deepEqual(messages({ bridges }), expected);
  });
}

test('bridges: the example of the documentation is valid and keeps its values', () => {
  const result = validateConfig(
    {
      bridges: [
        {
          name: 'cloud',
          url: 'mqtts://cloud.example.com:8883',
          protocolVersion: 5,
          clientId: 'edge-1',
          username: 'edge-1',
          passwordFile: 'bridge.pass',
          tls: { caFile: 'bridge.pass' },
          keepAlive: 60,
          cleanStart: false,
          topics: [
            { filter: 'sensors/#', direction: 'out', qos: 1, remotePrefix: 'edge-1/' },
            { filter: 'commands/#', direction: 'in', qos: 1, localPrefix: '' },
            { filter: 'sync/#', direction: 'both', qos: 2 },
          ],
        },
      ],
    },
    { baseDir: dir },
  );
  assert.deepEqual(result.issues, []);
  const b = result.config.bridges![0]!;
  assert.equal(b.options.name, 'cloud');
  assert.equal(b.options.cleanStart, false);
  assert.equal(b.passwordFile, join(dir, 'bridge.pass'));
  assert.deepEqual(b.options.topics[1], { filter: 'commands/#', direction: 'in', qos: 1, localPrefix: '' });
});

async function serverWith(bridge: Record<string, unknown>): Promise<SwiftletServer> {
  const { config, issues } = validateConfig({ listeners: [{ type: 'tcp', port: 0 }], bridges: [bridge] }, { baseDir: dir });
  assert.deepEqual(issues, []);
  return SwiftletServer.create(config, createLogger({ level: 'silent', format: 'json' }));
}

test('a configured bridge logs in with the password from passwordFile or passwordEnv', async () => {
  const seen: string[] = [];
  const remote = await startBroker({}, (b) => {
    void b.addHook({
      id: 'password-check',
      authenticate: (_client: ClientInfo, auth: ConnectAuth) => {
        seen.push(`${auth.username ?? ''}:${auth.password?.toString() ?? ''}`);
        return auth.password?.toString() === 's3cret' ? 'allow' : 'deny';
      },
    });
  });
  process.env.SWIFTLET_TEST_BRIDGE_PW = 's3cret';
  const fromFile = await serverWith({ name: 'f', url: `mqtt://127.0.0.1:${remote.port}`, username: 'edge', passwordFile: 'bridge.pass', topics: [ROUTE] });
  const fromEnv = await serverWith({ name: 'e', url: `mqtt://127.0.0.1:${remote.port}`, username: 'edge', passwordEnv: 'SWIFTLET_TEST_BRIDGE_PW', topics: [ROUTE] });
  try {
    await fromFile.start();
    await fromEnv.start();
    await waitFor(() => fromFile.broker.bridges()[0]!.connected && fromEnv.broker.bridges()[0]!.connected, 3000, 'both bridges');
    assert.deepEqual(seen, ['edge:s3cret', 'edge:s3cret']);
  } finally {
    await fromFile.close();
    await fromEnv.close();
    await remote.close();
    delete process.env.SWIFTLET_TEST_BRIDGE_PW;
  }
});

test('passwordEnv naming an unset variable stops the server from being created, naming the key', async () => {
  delete process.env.SWIFTLET_TEST_UNSET_PW;
  await assert.rejects(serverWith({ name: 'e', url: 'mqtt://127.0.0.1:1', username: 'edge', passwordEnv: 'SWIFTLET_TEST_UNSET_PW', topics: [ROUTE] }), {
    message: 'bridges[0].passwordEnv: environment variable SWIFTLET_TEST_UNSET_PW is not set',
  });
});
