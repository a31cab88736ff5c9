// `swiftlet passwd --file LEDGER add|set|delete USER [--scram]` through the real command: users change, everything
// else in the file stays, the result is a valid ledger, and a refused edit leaves the file untouched.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { run } from '../helpers/cli-process.js';
import { AuthLedger, verifyPassword } from '../../src/index.js';
import { createAuth, createClient } from '../hooks/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-passwd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function passwd(args: string[], password?: string): Promise<{ code: number | null; stderr: string[]; stdout: string[] }> {
  const r = run(['passwd', ...args]);
  r.child.stdin.end(password === undefined ? '' : `${password}\n`);
  return { code: await r.exited, stderr: r.stderr, stdout: r.stdout };
}

interface UserEntry {
  password?: string;
  scram?: { salt: string; iterations: number; storedKey: string; serverKey: string };
  acl?: unknown;
}
const users = (file: string): Record<string, UserEntry> => (parse(readFileSync(file, 'utf8')) as { users: Record<string, UserEntry> }).users;

describe('swiftlet passwd --file', { concurrency: true }, () => {
  test('set creates a missing ledger file (mode 600) with the user; the broker lets the user in with that password', async () => {
    const file = join(dir, 'new.yaml');
    const r = await passwd(['--file', file, 'set', 'alice'], 'wonder land');
    assert.equal(r.code, 0, r.stderr.join('\n'));
    assert.deepEqual(r.stderr, [`swiftlet: passwd: added user alice in ${file}`]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await verifyPassword('wonder land', users(file).alice!.password!), true);
    const ledger = new AuthLedger({ file });
    assert.equal((await ledger.authenticate(createClient(), createAuth({ username: 'alice', password: Buffer.from('wonder land') }))).decision, 'allow');
    assert.equal((await ledger.authenticate(createClient(), createAuth({ username: 'alice', password: Buffer.from('x') }))).decision, 'deny');
  });

  test('add keeps comments, rules, ACL and other users; add of an existing user is refused and changes nothing', async () => {
    const file = join(dir, 'kept.yaml');
    const original = '# the site ledger\nusers:\n  bob:\n    password: "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"\n    acl:\n      - { filter: "bob/#", access: readwrite }  # his own tree\nacl:\n  - { filter: "public/#", access: read }\n';
    writeFileSync(file, original);
    const before = parse(original) as { users: Record<string, UserEntry> };
    const r = await passwd(['--file', file, 'add', 'carol'], 'pw');
    assert.equal(r.code, 0, r.stderr.join('\n'));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# the site ledger/);
    assert.match(text, /# his own tree/);
    const after = parse(text) as { users: Record<string, UserEntry>; acl: unknown };
    assert.deepEqual(after.users.bob, before.users.bob);
    assert.deepEqual(after.acl, [{ filter: 'public/#', access: 'read' }]);
    assert.equal(await verifyPassword('pw', after.users.carol!.password!), true);

    const again = await passwd(['--file', file, 'add', 'carol'], 'other');
    assert.equal(again.code, 2);
    assert.match(again.stderr[0]!, /user "carol" already exists/);
    assert.equal(readFileSync(file, 'utf8'), text, 'a refused edit leaves the file as it was');
  });

  test('set --scram stores SCRAM credentials; set without --scram re-hashes and drops the old SCRAM credentials', async () => {
    const file = join(dir, 'scram.yaml');
    assert.equal((await passwd(['--file', file, 'set', 'dev', '--scram'], 'first')).code, 0);
    const first = users(file).dev!;
    assert.equal(first.scram?.iterations, 4096);
    assert.equal(await verifyPassword('first', first.password!), true);
    assert.equal((await passwd(['--file', file, 'set', 'dev'], 'second')).code, 0);
    const second = users(file).dev!;
    assert.equal(second.scram, undefined, 'old SCRAM credentials would still accept the old password');
    assert.equal(await verifyPassword('second', second.password!), true);
    assert.equal(await verifyPassword('first', second.password!), false);
  });

  test('delete removes the user; deleting an unknown user is refused (exit 2)', async () => {
    const file = join(dir, 'del.json');
    writeFileSync(file, JSON.stringify({ users: {}, auth: [{ remoteAddress: '10.0.0.0/8', allow: false }] }));
    assert.equal((await passwd(['--file', file, 'set', 'eve'], 'pw')).code, 0);
    assert.ok(JSON.parse(readFileSync(file, 'utf8')).users.eve !== undefined);
    const r = await passwd(['--file', file, 'delete', 'eve']);
    assert.equal(r.code, 0);
    const after = JSON.parse(readFileSync(file, 'utf8')) as { users: object; auth: unknown[] };
    assert.deepEqual(after.users, {});
    assert.equal(after.auth.length, 1);
    const missing = await passwd(['--file', file, 'delete', 'eve']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr[0]!, /no user "eve"/);
  });

  test('usage errors exit 2: an action without --file, an unknown action, an empty password', async () => {
    assert.equal((await passwd(['add', 'x'], 'pw')).code, 2);
    assert.equal((await passwd(['--file', join(dir, 'u.yaml'), 'rename', 'x'], 'pw')).code, 2);
    const empty = await passwd(['--file', join(dir, 'u.yaml'), 'set', 'x'], '');
    assert.equal(empty.code, 2);
    assert.deepEqual(empty.stderr, ['swiftlet: passwd: empty password']);
  });
});
