// Configuration validation: every bad input is reported with its key path, what was expected and what was found.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatIssue } from '../../src/config/config-checker.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { validateConfig } from '../../src/config/validate-config.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function messages(raw: unknown): string[] {
  return validateConfig(raw, { baseDir: dir }).issues.map(formatIssue);
}

const HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';

/** Bad configurations and the exact messages they must produce. */
const BAD: { name: string; raw: unknown; expected: string[] }[] = [
  { name: 'root not an object', raw: [1], expected: ['(root): expected an object of settings, found a list'] },
  {
    name: 'unknown top-level key',
    raw: { listner: [] },
    expected: [
      'listner: unknown key (expected one of id, listeners, http, auth, rateLimit, debug, storage, capabilities, compatibilities, logging, sys, sharedSubscriptionStrategy, responseInformationPrefix, cluster, webhooks, hooks, bridges)',
    ],
  },
  { name: 'port not a number', raw: { listeners: [{ type: 'tcp', port: 1883 }, { type: 'tcp', port: '80a' }] }, expected: ['listeners[1].port: expected an integer in 0..65535, found "80a"'] },
  { name: 'port out of range', raw: { listeners: [{ type: 'tcp', port: 70000 }] }, expected: ['listeners[0].port: expected an integer in 0..65535, found 70000'] },
  { name: 'unknown listener type', raw: { listeners: [{ type: 'quic' }] }, expected: ['listeners[0].type: expected one of tcp, tls, ws, wss, unix, found "quic"'] },
  { name: 'empty listener list', raw: { listeners: [] }, expected: ['listeners: expected a non-empty list of listeners, found a list'] },
  {
    name: 'key of another listener type',
    raw: { listeners: [{ type: 'tcp', certFile: 'x.pem' }] },
    expected: ['listeners[0].certFile: unknown key (expected one of type, id, maxConnections, connectionRate, connectionRatePerAddress, host, port, backlog, proxyProtocol)'],
  },
  {
    name: 'tls without certificate files',
    raw: { listeners: [{ type: 'tls', port: 0 }] },
    expected: ['listeners[0].certFile: expected a certificate file (PEM), found nothing', 'listeners[0].keyFile: expected a private key file (PEM), found nothing'],
  },
  {
    name: 'tls certificate file missing',
    raw: { listeners: [{ type: 'tls', certFile: 'nope.pem', keyFile: 'nope.key' }] },
    expected: ['listeners[0].certFile: expected a readable file, found "nope.pem"', 'listeners[0].keyFile: expected a readable file, found "nope.key"'],
  },
  {
    name: 'proxy protocol on a ws listener',
    raw: { listeners: [{ type: 'ws', proxyProtocol: { trusted: ['10.0.0.1'] } }] },
    expected: ['listeners[0].proxyProtocol: unknown key (expected one of type, id, maxConnections, connectionRate, connectionRatePerAddress, host, port, backlog, path, maxPayload, trustedProxies)'],
  },
  { name: 'trusted proxy not an address', raw: { listeners: [{ type: 'ws', trustedProxies: ['10.0.0.0/33', 'proxy.local'] }] }, expected: ['listeners[0].trustedProxies[0]: expected an IP address or CIDR block, found "10.0.0.0/33"', 'listeners[0].trustedProxies[1]: expected an IP address or CIDR block, found "proxy.local"'] },
  { name: 'http metrics not boolean', raw: { http: { metrics: 'on' } }, expected: ['http.metrics: expected true or false, found "on"'] },
  { name: 'unix without path', raw: { listeners: [{ type: 'unix' }] }, expected: ['listeners[0].path: expected a socket file path, found nothing'] },
  { name: 'ws path without slash', raw: { listeners: [{ type: 'ws', path: 'mqtt' }] }, expected: ['listeners[0].path: expected a URL path starting with /, found "mqtt"'] },
  { name: 'duplicate listener ids', raw: { listeners: [{ type: 'tcp', id: 'a' }, { type: 'tcp', id: 'a', port: 1884 }] }, expected: ['listeners[1].id: duplicate listener id "a"'] },
  {
    name: 'proxy protocol trusted list empty',
    raw: { listeners: [{ type: 'tcp', proxyProtocol: { trusted: [] } }] },
    expected: ['listeners[0].proxyProtocol.trusted: expected a non-empty list of addresses or CIDR blocks, found a list'],
  },
  { name: 'per-address connection rate zero', raw: { listeners: [{ type: 'ws', connectionRatePerAddress: { perSecond: 0, burst: 0 } }] }, expected: ['listeners[0].connectionRatePerAddress.perSecond: expected a number greater than 0, found 0', 'listeners[0].connectionRatePerAddress.burst: expected an integer in 1..2147483648, found 0'] },
  {
    name: 'per-address connection rate on a unix listener (no addresses)',
    raw: { listeners: [{ type: 'unix', path: 's.sock', connectionRatePerAddress: { perSecond: 1 } }] },
    expected: ['listeners[0].connectionRatePerAddress: unknown key (expected one of type, id, maxConnections, connectionRate, path, backlog)'],
  },
  { name: 'connection rate zero', raw: { listeners: [{ type: 'tcp', connectionRate: { perSecond: 0 } }] }, expected: ['listeners[0].connectionRate.perSecond: expected a number greater than 0, found 0'] },
  { name: 'http port string', raw: { http: { port: 'http' } }, expected: ['http.port: expected an integer in 0..65535, found "http"'] },
  { name: 'http token too short', raw: { http: { port: 0, token: 'short' } }, expected: ['http.token: expected at least 16 characters, found 5'] },
  { name: 'allowAnonymous not boolean', raw: { auth: { allowAnonymous: 'yes' } }, expected: ['auth.allowAnonymous: expected true or false, found "yes"'] },
  {
    name: 'plain password in the ledger',
    raw: { auth: { ledger: { users: { bob: { password: 'secret' } } } } },
    expected: ['auth.ledger.users.bob.password: must be a scrypt hash from hashPassword (scrypt$N$r$p$salt$hash), not a plain password'],
  },
  { name: 'ledger and ledgerFile together', raw: { auth: { ledger: {}, ledgerFile: 'x.yaml' } }, expected: ['auth.ledgerFile: expected either auth.ledger or auth.ledgerFile, found both', 'auth.ledgerFile: expected a readable file, found "x.yaml"'] },
  { name: 'watch without a file', raw: { auth: { watch: true } }, expected: ['auth.watch: expected auth.ledgerFile to watch, found none'] },
  { name: 'rate limit without a rate', raw: { rateLimit: { burst: 2 } }, expected: ['rateLimit: expected publishPerSecond or publishBytesPerSecond, found neither'] },
  { name: 'rate limit action', raw: { rateLimit: { publishPerSecond: 10, action: 'kick' } }, expected: ['rateLimit.action: expected one of reason, disconnect, found "kick"'] },
  { name: 'debug wrong type', raw: { debug: 'yes' }, expected: ['debug: expected an object, found "yes"'] },
  { name: 'capability below minimum', raw: { capabilities: { receiveMaximum: 0 } }, expected: ['capabilities.receiveMaximum: expected an integer in 1..65535, found 0'] },
  { name: 'capability wrong type', raw: { capabilities: { retainAvailable: 1 } }, expected: ['capabilities.retainAvailable: expected true or false, found 1'] },
  { name: 'retained byte limit negative', raw: { capabilities: { maximumRetainedBytes: -1 } }, expected: ['capabilities.maximumRetainedBytes: expected an integer in 0..9007199254740991, found -1'] },
  { name: 'retained byte limit not a number', raw: { capabilities: { maximumRetainedBytes: '1MiB' } }, expected: ['capabilities.maximumRetainedBytes: expected an integer in 0..9007199254740991, found "1MiB"'] },
  { name: 'maximum QoS 3', raw: { capabilities: { maximumQoS: 3 } }, expected: ['capabilities.maximumQoS: expected 0, 1 or 2, found 3'] },
  { name: 'unknown capability', raw: { capabilities: { maxClients: 5 } }, expected: [`capabilities.maxClients: unknown key (expected one of maximumClients, maximumSessionExpiryInterval, maximumMessageExpiryInterval, receiveMaximum, maximumInflight, topicAliasMaximum, maximumPacketSize, maximumQoS, retainAvailable, wildcardSubscriptionAvailable, subscriptionIdentifierAvailable, sharedSubscriptionAvailable, minimumProtocolVersion, maximumKeepAlive, connectTimeout, maximumClientIdLength, maximumQueuedMessages, queueQoS0Offline, outboundHighWaterMark, maximumOutboundBytes, outboundStallTimeout, maximumRetainedMessages, maximumRetainedBytes, maximumTopicLength, maximumTopicLevels, maximumSubscriptionsPerClient, maximumQueuedBytes, maximumUserProperties, memoryHighWaterMark)`] },
  { name: 'compatibility not boolean', raw: { compatibilities: { obscureNotAuthorized: 'no' } }, expected: ['compatibilities.obscureNotAuthorized: expected true or false, found "no"'] },
  { name: 'log level', raw: { logging: { level: 'verbose' } }, expected: ['logging.level: expected one of fatal, error, warn, info, debug, trace, silent, found "verbose"'] },
  { name: 'log format', raw: { logging: { format: 'xml' } }, expected: ['logging.format: expected one of json, pretty, auto, found "xml"'] },
  { name: 'sys interval negative', raw: { sys: { interval: -1 } }, expected: ['sys.interval: expected an integer in 0..86400, found -1'] },
  { name: 'shared strategy', raw: { sharedSubscriptionStrategy: 'first' }, expected: ['sharedSubscriptionStrategy: expected one of round-robin, random, hash, found "first"'] },
  { name: 'response prefix number', raw: { responseInformationPrefix: 5 }, expected: ["responseInformationPrefix: expected a string ('' disables it), found 5"] },
  { name: 'empty id', raw: { id: '' }, expected: ['id: expected a non-empty string, found ""'] },
  { name: 'storage type', raw: { storage: { type: 'mongodb' } }, expected: ['storage.type: expected one of memory, lmdb, redis, found "mongodb"'] },
  { name: 'lmdb without a path', raw: { storage: { type: 'lmdb' } }, expected: ['storage.path: expected the folder of the LMDB database, found nothing'] },
  { name: 'path with memory storage', raw: { storage: { path: 'data' } }, expected: ["storage.path: expected only with storage.type 'lmdb', found storage.type 'memory'"] },
  { name: 'url with lmdb storage', raw: { storage: { type: 'lmdb', path: 'data', url: 'redis://127.0.0.1:6379' } }, expected: ["storage.url: expected only with storage.type 'redis', found storage.type 'lmdb'"] },
  { name: 'size cap with memory storage', raw: { storage: { maxSizeMiB: 5 } }, expected: ["storage.maxSizeMiB: expected only with storage.type 'lmdb' or 'redis', found storage.type 'memory'"] },
  { name: 'redis url not a redis url', raw: { storage: { type: 'redis', url: 'http://x' } }, expected: ['storage.url: expected redis://host:port/db or rediss://..., found "http://x"'] },
  { name: 'redis url and cluster', raw: { storage: { type: 'redis', url: 'redis://a:1', cluster: { nodes: [{ host: 'a', port: 1 }] } } }, expected: ['storage.cluster: expected one of storage.url, storage.sentinel and storage.cluster, found url and cluster'] },
  { name: 'redis sentinel without name', raw: { storage: { type: 'redis', sentinel: { sentinels: [{ host: 'a', port: 26379 }] } } }, expected: ['storage.sentinel.name: expected the name of the primary the sentinels monitor, found nothing'] },
  { name: 'redis cluster node port', raw: { storage: { type: 'redis', cluster: { nodes: [{ host: 'a', port: 0 }] } } }, expected: ['storage.cluster.nodes[0].port: expected an integer in 1..65535, found 0'] },
  { name: 'redis key prefix with a brace', raw: { storage: { type: 'redis', keyPrefix: 'a{b' } }, expected: ['storage.keyPrefix: expected a prefix without braces or spaces, found "a{b"'] },
  { name: 'lmdb size zero', raw: { storage: { type: 'lmdb', path: 'data', maxSizeMiB: 0 } }, expected: ['storage.maxSizeMiB: expected an integer in 1..1048576, found 0'] },
  { name: 'unknown storage key', raw: { storage: { type: 'lmdb', path: 'data', pendingSaveInterval: 10 } }, expected: ['storage.pendingSaveInterval: unknown key (expected one of type, path, url, sentinel, cluster, keyPrefix, maxSizeMiB)'] },
];

describe('validateConfig rejects bad configurations with exact messages', () => {
  for (const c of BAD) {
    test(c.name, () => {
      assert.deepEqual(messages(c.raw), c.expected);
    });
  }

  test('collects every problem, not only the first', () => {
    const got = messages({ listeners: [{ type: 'tcp', port: -1 }], logging: { level: 'loud' }, nope: true });
    assert.equal(got.length, 3);
  });
});

describe('validateConfig defaults', () => {
  test('no configuration: one TCP listener on 127.0.0.1, info logs, $SYS every 10 s', () => {
    const { config, issues } = validateConfig(null);
    assert.deepEqual(issues, []);
    assert.deepEqual(config.listeners, [{ type: 'tcp', id: 'tcp', host: '127.0.0.1' }]);
    assert.deepEqual(config.logging, { level: 'info', format: 'auto' });
    assert.deepEqual(config.sys, { interval: 10 });
    assert.equal(config.http, undefined);
    assert.equal(config.auth.allowAnonymous, undefined);
  });

  test('repeated listener types get distinct ids; ws gets /mqtt; unix paths resolve against the config folder', () => {
    const { config, issues } = validateConfig({ listeners: [{ type: 'tcp' }, { type: 'tcp', port: 1884 }, { type: 'ws' }, { type: 'unix', path: 'mqtt.sock' }] }, { baseDir: dir });
    assert.deepEqual(issues, []);
    assert.deepEqual(config.listeners.map((l) => l.id), ['tcp', 'tcp-2', 'ws', 'unix']);
    assert.equal(config.listeners[2]?.path, '/mqtt');
    assert.equal(config.listeners[3]?.path, join(dir, 'mqtt.sock'));
  });

  test('redis storage: url, sentinel or cluster, key prefix and size cap come through as given', () => {
    const url = validateConfig({ storage: { type: 'redis', url: 'redis://10.0.0.5:6380/2', keyPrefix: 'mqtt-a', maxSizeMiB: 512 } });
    assert.deepEqual(url.issues, []);
    assert.deepEqual(url.config.storage, { type: 'redis', url: 'redis://10.0.0.5:6380/2', keyPrefix: 'mqtt-a', maxSizeMiB: 512 });
    const sentinel = validateConfig({ storage: { type: 'redis', sentinel: { sentinels: [{ host: 's1', port: 26379 }, { port: 26380 }], name: 'mymaster', password: 'p', db: 1 } } });
    assert.deepEqual(sentinel.issues, []);
    assert.deepEqual(sentinel.config.storage, { type: 'redis', sentinel: { sentinels: [{ host: 's1', port: 26379 }, { host: '127.0.0.1', port: 26380 }], name: 'mymaster', password: 'p', db: 1 } });
    const cluster = validateConfig({ storage: { type: 'redis', cluster: { nodes: [{ host: 'n1', port: 7000 }] } } });
    assert.deepEqual(cluster.issues, []);
    assert.deepEqual(cluster.config.storage, { type: 'redis', cluster: { nodes: [{ host: 'n1', port: 7000 }] } });
  });

  test('capabilities.maximumRetainedBytes takes byte counts beyond 32 bits', () => {
    const { config, issues } = validateConfig({ capabilities: { maximumRetainedBytes: 8 * 2 ** 30, maximumRetainedMessages: 1000 } });
    assert.deepEqual(issues, []);
    assert.equal(config.capabilities.maximumRetainedBytes, 8 * 2 ** 30);
    assert.equal(config.capabilities.maximumRetainedMessages, 1000);
  });

  test('a valid inline ledger with hashed passwords passes', () => {
    const { issues } = validateConfig({ auth: { ledger: { users: { bob: { password: HASH } }, acl: { '#': 'readwrite' } } } });
    assert.deepEqual(issues, []);
  });

  test('a ledger file is compiled during validation and its errors carry the file and key', () => {
    const file = join(dir, 'bad-ledger.yaml');
    writeFileSync(file, 'users:\n  eve:\n    password: plain\n');
    const got = messages({ auth: { ledgerFile: 'bad-ledger.yaml' } });
    assert.deepEqual(got, [`auth.ledgerFile (${file}).users.eve.password: must be a scrypt hash from hashPassword (scrypt$N$r$p$salt$hash), not a plain password`]);
  });
});

describe('resolveConfig: files, environment and flags', () => {
  test('YAML syntax errors are reported with line and column', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'listeners:\n  - type: tcp\n   port: 1\n');
    const { issues } = resolveConfig({ configFile: file, env: {} });
    assert.equal(issues.length >= 1, true);
    assert.match(formatIssue(issues[0]!), /^.*broken\.yaml: invalid YAML: .+ at line 3, column \d+$/);
  });

  test('JSON files are parsed as JSON', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ listeners: [{ type: 'tcp', port: 2000 }] }));
    const { config, issues } = resolveConfig({ configFile: file, env: {} });
    assert.deepEqual(issues, []);
    assert.equal(config.listeners[0]?.port, 2000);
  });

  test('other extensions are refused', () => {
    const file = join(dir, 'c.toml');
    writeFileSync(file, '');
    const { issues } = resolveConfig({ configFile: file, env: {} });
    assert.deepEqual(issues.map(formatIssue), [`${file}: expected a .yaml, .yml or .json file, found ".toml"`]);
  });

  test('a missing file is an error, not silently the defaults', () => {
    const { issues } = resolveConfig({ configFile: join(dir, 'missing.yaml'), env: {} });
    assert.deepEqual(issues.map(formatIssue), [`${join(dir, 'missing.yaml')}: cannot read the file (ENOENT)`]);
  });

  test('precedence: flags > env > file > defaults', () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'listeners:\n  - type: tcp\n    host: 0.0.0.0\n    port: 1000\nlogging:\n  level: warn\nhttp:\n  port: 3000\n');
    const fileOnly = resolveConfig({ configFile: file, env: {} }).config;
    assert.equal(fileOnly.listeners[0]?.port, 1000);
    assert.equal(fileOnly.logging.level, 'warn');

    const env = { SWIFTLET_PORT: '2000', SWIFTLET_HOST: '127.0.0.2', SWIFTLET_LOG_LEVEL: 'debug', SWIFTLET_HTTP_PORT: '4000', SWIFTLET_HTTP_TOKEN: 'a-long-enough-token' };
    const withEnv = resolveConfig({ configFile: file, env }).config;
    assert.equal(withEnv.listeners[0]?.port, 2000);
    assert.equal(withEnv.listeners[0]?.host, '127.0.0.2');
    assert.equal(withEnv.logging.level, 'debug');
    assert.deepEqual(withEnv.http, { host: '127.0.0.1', port: 4000, token: 'a-long-enough-token' });

    const withFlags = resolveConfig({ configFile: file, env, flags: { port: '3001', host: '127.0.0.3', logLevel: 'error', httpPort: '5000' } }).config;
    assert.equal(withFlags.listeners[0]?.port, 3001);
    assert.equal(withFlags.listeners[0]?.host, '127.0.0.3');
    assert.equal(withFlags.logging.level, 'error');
    assert.equal(withFlags.http?.port, 5000);
  });

  test('SWIFTLET_CONFIG names the file; --config wins over it', () => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, 'id: from-env\n');
    writeFileSync(b, 'id: from-flag\n');
    assert.equal(resolveConfig({ env: { SWIFTLET_CONFIG: a } }).config.id, 'from-env');
    assert.equal(resolveConfig({ configFile: b, env: { SWIFTLET_CONFIG: a } }).config.id, 'from-flag');
  });

  test('--port adds a TCP listener when the file has none', () => {
    const file = join(dir, 'ws-only.yaml');
    writeFileSync(file, 'listeners:\n  - type: ws\n    port: 0\n');
    const { config } = resolveConfig({ configFile: file, env: {}, flags: { port: '0' } });
    assert.deepEqual(config.listeners.map((l) => [l.type, l.id, l.port]), [['ws', 'ws', 0], ['tcp', 'tcp', 0]]);
  });

  test('bad override values name the flag or the variable', () => {
    const { issues } = resolveConfig({ env: { SWIFTLET_PORT: '80a', SWIFTLET_LOG_LEVEL: 'chatty' }, flags: { httpPort: '99999' } });
    assert.deepEqual(issues.map(formatIssue), [
      'SWIFTLET_PORT: expected an integer in 0..65535, found "80a"',
      'SWIFTLET_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, found "chatty"',
      '--http-port: expected an integer in 0..65535, found 99999',
    ]);
  });

  test('a flag hides a bad environment value (flags win, the variable is not read)', () => {
    const { issues, config } = resolveConfig({ env: { SWIFTLET_PORT: 'junk' }, flags: { port: '1999' } });
    assert.deepEqual(issues, []);
    assert.equal(config.listeners[0]?.port, 1999);
  });

  test('an empty variable counts as unset', () => {
    const { issues, config } = resolveConfig({ env: { SWIFTLET_PORT: '' } });
    assert.deepEqual(issues, []);
    assert.equal(config.listeners[0]?.port, undefined);
  });
});
