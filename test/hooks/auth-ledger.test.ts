// AuthLedger: scrypt passwords, auth rules (globs, CIDR, certificates), ACL rules, reload and watch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthLedger } from '../../src/hooks/builtin/auth-ledger.js';
import { LedgerError } from '../../src/hooks/builtin/ledger-rules.js';
import { hashPassword, hashPasswordSync, isPasswordHash, unmatchableHashLike, verifyPassword } from '../../src/hooks/builtin/password-hash.js';
import { coversFilter, matchesFilter } from '../../src/hooks/builtin/acl-filter.js';
import type { PeerCertificateIdentity } from '../../src/listeners/listener.js';
import { createAuth, createClient, createMeta, createRecordingLogger } from './helpers.js';

// Low scrypt cost keeps the suite fast; the format and the comparison are the same.
const FAST = { cost: 1024 };
const alicePassword = hashPasswordSync('wonderland', FAST);

test('password hashes are self-describing and verify in constant time', async () => {
  const encoded = await hashPassword('secret', FAST);
  assert.match(encoded, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(isPasswordHash(encoded), true);
  assert.equal(await verifyPassword('secret', encoded), true);
  assert.equal(await verifyPassword('Secret', encoded), false);
  assert.equal(await verifyPassword('secret', 'plain-text'), false);
  assert.notEqual(await hashPassword('secret', FAST), encoded); // random salt
});

test('users: right password allows, wrong or unknown denies with 0x86, anonymous denied unless allowed', async () => {
  const ledger = new AuthLedger({ ledger: { users: { alice: { password: alicePassword } } } });
  const client = createClient();
  assert.deepEqual(await ledger.authenticate(client, createAuth({ username: 'alice', password: Buffer.from('wonderland') })), { decision: 'allow' });
  assert.deepEqual(await ledger.authenticate(client, createAuth({ username: 'alice', password: Buffer.from('nope') })), { decision: 'deny', reasonCode: 0x86 });
  assert.deepEqual(await ledger.authenticate(client, createAuth({ username: 'bob', password: Buffer.from('x') })), { decision: 'deny', reasonCode: 0x86 });
  assert.deepEqual(await ledger.authenticate(client, createAuth({ username: 'alice' })), { decision: 'deny', reasonCode: 0x86 });
  assert.deepEqual(await ledger.authenticate(client, createAuth()), { decision: 'deny', reasonCode: 0x87 });
  const open = new AuthLedger({ allowAnonymous: true, ledger: {} });
  assert.deepEqual(await open.authenticate(client, createAuth()), { decision: 'allow' });
});

test('no user enumeration: an unknown user is refused like a wrong password, after a scrypt check of the same cost', async () => {
  const ledger = new AuthLedger({ ledger: { users: { alice: { password: alicePassword } } } });
  const client = createClient();
  const wrong = ledger.authenticate(client, createAuth({ username: 'alice', password: Buffer.from('nope') }));
  const unknown = ledger.authenticate(client, createAuth({ username: 'mallory', password: Buffer.from('nope') }));
  // Both go through an asynchronous scrypt verification (a synchronous answer would come back at once).
  assert.equal(typeof (wrong as Promise<unknown>).then, 'function');
  assert.equal(typeof (unknown as Promise<unknown>).then, 'function');
  assert.deepEqual(await wrong, await unknown);
  assert.deepEqual(await unknown, { decision: 'deny', reasonCode: 0x86 });
  // The stand-in hash has the cost parameters of the ledger's passwords, and nothing matches it.
  const standIn = unmatchableHashLike(alicePassword);
  assert.equal(standIn.split('$').slice(0, 4).join('$'), alicePassword.split('$').slice(0, 4).join('$'));
  assert.equal(isPasswordHash(standIn), true);
  for (const guess of ['', 'wonderland', 'nope', '\u0000'.repeat(32)]) assert.equal(await verifyPassword(guess, standIn), false);
  assert.match(unmatchableHashLike(undefined), /^scrypt\$16384\$8\$1\$/);
});

test('plain passwords in the ledger are refused with the offending key', () => {
  assert.throws(
    () => new AuthLedger({ ledger: { users: { bob: { password: 'hunter2' } } } }),
    (err: unknown) => err instanceof LedgerError && err.path === 'users.bob.password',
  );
  assert.throws(() => new AuthLedger({ ledger: { acl: [{ filter: 'a/#/b', access: 'read' }] } }), LedgerError);
  assert.throws(() => new AuthLedger({ ledger: { auth: [{ remoteAddress: '10.0.0.0/40', allow: true }] } }), /auth\[0\]\.remoteAddress/);
});

test('auth rules: first match wins, globs on client id and user name, CIDR on addresses (incl. IPv4-mapped)', async () => {
  const ledger = new AuthLedger({
    ledger: {
      users: { alice: { password: alicePassword } },
      auth: [
        { remoteAddress: '192.168.66.0/24', allow: false },
        { clientId: 'sensor-???', remoteAddress: '10.0.0.0/8', allow: true },
        { username: 'guest*', allow: true },
        { remoteAddress: 'fd00::/8', allow: true },
      ],
    },
  });
  const client = createClient();
  const at = (remoteAddress: string) => createMeta({ remoteAddress });
  assert.equal((await ledger.authenticate(client, createAuth({ clientId: 'sensor-001', meta: at('10.1.2.3') }))).decision, 'allow');
  assert.equal((await ledger.authenticate(client, createAuth({ clientId: 'sensor-001', meta: at('::ffff:10.1.2.3') }))).decision, 'allow');
  assert.equal((await ledger.authenticate(client, createAuth({ clientId: 'sensor-0001', meta: at('10.1.2.3') }))).decision, 'deny');
  assert.equal((await ledger.authenticate(client, createAuth({ clientId: 'sensor-001', meta: at('11.1.2.3') }))).decision, 'deny');
  assert.equal((await ledger.authenticate(client, createAuth({ username: 'guest-7' }))).decision, 'allow');
  assert.equal((await ledger.authenticate(client, createAuth({ meta: at('fd12::1') }))).decision, 'allow');
  // The deny rule comes first, so even the right password is refused from that network.
  const banned = await ledger.authenticate(client, createAuth({ username: 'alice', password: Buffer.from('wonderland'), meta: at('192.168.66.5') }));
  assert.deepEqual([banned.decision, banned.reasonCode], ['deny', 0x87]);
});

test('auth rules: certificate conditions need a verified certificate; CN can become the user name', async () => {
  const cert = (over: Partial<PeerCertificateIdentity> = {}): PeerCertificateIdentity => ({
    subject: 'CN=device-1,O=Acme',
    commonName: 'device-1',
    subjectAltNames: ['DNS:device-1.acme.test'],
    fingerprint256: 'AA:BB',
    authorized: true,
    ...over,
  });
  const ledger = new AuthLedger({
    useCertificateCommonNameAsUsername: true,
    ledger: {
      auth: [{ certificate: { commonName: 'device-*', subject: '*O=Acme', san: 'DNS:*.acme.test' }, allow: true }],
      acl: [{ filter: 'devices/%u/#', access: 'readwrite' }],
    },
  });
  const client = createClient();
  assert.deepEqual(await ledger.authenticate(client, createAuth({ meta: createMeta({ certificate: cert() }) })), { decision: 'allow', username: 'device-1' });
  assert.equal((await ledger.authenticate(client, createAuth({ meta: createMeta({ certificate: cert({ authorized: false }) }) }))).decision, 'deny');
  assert.equal((await ledger.authenticate(client, createAuth({ meta: createMeta({ certificate: cert({ subjectAltNames: ['DNS:evil.test'] }) }) }))).decision, 'deny');
  assert.equal(ledger.checkAcl(createClient({ username: 'device-1' }), 'devices/device-1/temp', 'publish'), 'allow');
  assert.equal(ledger.checkAcl(createClient({ username: 'device-1' }), 'devices/device-2/temp', 'publish'), 'deny');
});

test('ACL: %c and %u substitution, first match wins, read/write/readwrite/deny, user rules before global', () => {
  const ledger = new AuthLedger({
    ledger: {
      users: { alice: { password: alicePassword, acl: [{ filter: 'admin/#', access: 'readwrite' }] } },
      acl: [
        { filter: 'clients/%c/secret', access: 'deny' },
        { filter: 'clients/%c/#', access: 'readwrite' },
        { filter: 'users/%u/inbox', access: 'read' },
        { filter: 'telemetry/+/up', access: 'write' },
        { filter: 'admin/#', access: 'deny' },
      ],
    },
  });
  const c1 = createClient({ id: 'c1', username: 'bob' });
  assert.equal(ledger.checkAcl(c1, 'clients/c1/state', 'publish'), 'allow');
  assert.equal(ledger.checkAcl(c1, 'clients/c1/state', 'read'), 'allow');
  assert.equal(ledger.checkAcl(c1, 'clients/c1/secret', 'read'), 'deny');
  assert.equal(ledger.checkAcl(c1, 'clients/c2/state', 'publish'), 'deny'); // no rule matches → default deny
  assert.equal(ledger.checkAcl(c1, 'users/bob/inbox', 'read'), 'allow');
  assert.equal(ledger.checkAcl(c1, 'users/bob/inbox', 'publish'), 'deny');
  assert.equal(ledger.checkAcl(c1, 'telemetry/x/up', 'publish'), 'allow');
  assert.equal(ledger.checkAcl(c1, 'telemetry/x/up', 'read'), 'deny');
  assert.equal(ledger.checkAcl(c1, 'admin/x', 'publish'), 'deny');
  assert.equal(ledger.checkAcl(createClient({ username: 'alice' }), 'admin/x', 'publish'), 'allow');
  // %u never matches an anonymous client; ids holding wildcards or '/' never expand a template.
  assert.equal(ledger.checkAcl(createClient({ username: undefined }), 'users//inbox', 'read'), 'deny');
  assert.equal(ledger.checkAcl(createClient({ id: 'c1/x' }), 'clients/c1/x/y', 'publish'), 'deny');
  assert.equal(ledger.checkAcl(createClient({ id: '#' }), 'clients/#', 'subscribe'), 'deny');
});

test('ACL: subscribe requires the ACL filter to cover the requested filter (incl. $share)', () => {
  const ledger = new AuthLedger({ ledger: { acl: { 'sensors/+/temp': 'read', 'logs/#': 'read' } } });
  const c = createClient();
  assert.equal(ledger.checkAcl(c, 'sensors/+/temp', 'subscribe'), 'allow');
  assert.equal(ledger.checkAcl(c, 'sensors/a/temp', 'subscribe'), 'allow');
  assert.equal(ledger.checkAcl(c, 'sensors/#', 'subscribe'), 'deny');
  assert.equal(ledger.checkAcl(c, 'logs/#', 'subscribe'), 'allow');
  assert.equal(ledger.checkAcl(c, 'logs/+/x', 'subscribe'), 'allow');
  assert.equal(ledger.checkAcl(c, '$share/g/logs/a', 'subscribe'), 'allow');
  assert.equal(ledger.checkAcl(c, '#', 'subscribe'), 'deny');
});

test('filter matching follows MQTT wildcard rules, including $ topics [MQTT-4.7.2-1] and parent match [MQTT-4.7.1-2]', () => {
  assert.equal(matchesFilter('a/#', 'a'), true);
  assert.equal(matchesFilter('a/+', 'a/b/c'), false);
  assert.equal(matchesFilter('#', '$SYS/x'), false);
  assert.equal(matchesFilter('$SYS/#', '$SYS/x'), true);
  assert.equal(coversFilter('+/b', '+/b'), true);
  assert.equal(coversFilter('a/b', 'a/+'), false);
  assert.equal(coversFilter('a', 'a/#'), false);
  assert.equal(coversFilter('#', '$SYS/#'), false);
});

test('no ACL rules at all → allow; defaultAccess can be set explicitly', () => {
  assert.equal(new AuthLedger({ ledger: {} }).checkAcl(createClient(), 'x', 'publish'), 'allow');
  assert.equal(new AuthLedger({ ledger: { defaultAccess: 'defer', acl: [{ filter: 'a', access: 'read' }] } }).checkAcl(createClient(), 'x', 'publish'), 'defer');
});

test('file: YAML load, reload with a good file, a bad file keeps the old rules and logs why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-ledger-'));
  try {
    const file = join(dir, 'ledger.yaml');
    writeFileSync(file, 'acl:\n  - filter: a/#\n    access: readwrite\n');
    const logger = createRecordingLogger();
    const ledger = new AuthLedger({ file });
    ledger.init({ logger, brokerId: 'b', invalidateAclCache: () => undefined });
    const c = createClient();
    assert.equal(ledger.checkAcl(c, 'a/1', 'publish'), 'allow');
    writeFileSync(file, 'acl:\n  - filter: b/#\n    access: readwrite\n');
    assert.equal(await ledger.reload(), true);
    assert.equal(ledger.checkAcl(c, 'a/1', 'publish'), 'deny');
    assert.equal(ledger.checkAcl(c, 'b/1', 'publish'), 'allow');
    writeFileSync(file, 'acl:\n  - filter: c/#\n    access: everything\n');
    assert.equal(await ledger.reload(), false);
    assert.equal(ledger.checkAcl(c, 'b/1', 'publish'), 'allow');
    const failure = logger.entries.find((e) => e.level === 'error');
    assert.equal(failure?.obj.file, file);
    assert.match(failure?.msg ?? '', /acl\[0\]\.access/);
    writeFileSync(file, 'acl: [unclosed');
    assert.equal(await ledger.reload(), false);
    assert.equal(ledger.checkAcl(c, 'b/1', 'publish'), 'allow');
    ledger.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file: JSON ledgers load; a bad file at construction throws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-ledger-'));
  try {
    const file = join(dir, 'ledger.json');
    writeFileSync(file, JSON.stringify({ users: { alice: { password: alicePassword } } }));
    assert.equal(new AuthLedger({ file }).hasUser('alice'), true);
    writeFileSync(file, '{ nope');
    assert.throws(() => new AuthLedger({ file }), SyntaxError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file: watch reloads on change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-ledger-'));
  const file = join(dir, 'ledger.yaml');
  writeFileSync(file, 'acl:\n  - filter: a\n    access: read\n');
  const logger = createRecordingLogger();
  const ledger = new AuthLedger({ file, watch: true, watchDebounceMs: 10 });
  ledger.init({ logger, brokerId: 'b', invalidateAclCache: () => undefined });
  try {
    const c = createClient();
    assert.equal(ledger.checkAcl(c, 'z', 'read'), 'deny');
    const reloaded = new Promise<void>((resolve) => {
      const original = logger.info.bind(logger);
      logger.info = (obj, msg) => {
        original(obj, msg);
        if (msg === 'ledger reloaded') resolve();
      };
    });
    writeFileSync(file, 'acl:\n  - filter: z\n    access: read\n');
    await reloaded;
    assert.equal(ledger.checkAcl(c, 'z', 'read'), 'allow');
  } finally {
    ledger.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
