// One validation path: the environment's token obeys the file's rule; check-config and start load TLS material the
// same way, and every TLS error names the listener and the file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { run } from '../helpers/cli-process.js';
import { createTestCertificates } from '../listeners/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-checks-'));
const certs = createTestCertificates();
after(() => {
  rmSync(dir, { recursive: true, force: true });
  certs.remove();
});

function write(name: string, text: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const serverCert = write('server.crt', certs.serverCert);
const serverKey = write('server.key', certs.serverKey);
const otherKey = write('client.key', certs.clientKey);
const garbage = write('garbage.pem', 'this is not a key\n');

function tlsConfig(name: string, cert: string, key: string): string {
  return write(name, `listeners:\n  - type: tcp\n    port: 0\n  - type: tls\n    id: secure\n    port: 0\n    certFile: ${cert}\n    keyFile: ${key}\nsys:\n  interval: 0\n`);
}

describe('SWIFTLET_HTTP_TOKEN', () => {
  test('a token shorter than 16 characters from the environment is refused like one in the file (exit 2)', async () => {
    const r = run(['--http-port', '0'], { SWIFTLET_HTTP_TOKEN: 'short' });
    assert.equal(await r.exited, 2);
    assert.deepEqual(r.stderr, ['swiftlet: invalid configuration: SWIFTLET_HTTP_TOKEN: expected at least 16 characters, found 5']);
    const file = write('short-token.yaml', 'http:\n  port: 0\n  token: short\n');
    const c = run(['check-config', file]);
    assert.equal(await c.exited, 2);
    assert.deepEqual(c.stderr, ['swiftlet: invalid configuration: http.token: expected at least 16 characters, found 5']);
  });
});

describe('TLS material', { concurrency: true }, () => {
  test('check-config loads the certificates: a good pair is ok', async () => {
    const r = run(['check-config', tlsConfig('good-tls.yaml', serverCert, serverKey)]);
    assert.equal(await r.exited, 0, r.stderr.join('\n'));
    assert.deepEqual(r.stdout, ['ok']);
  });

  test('check-config: an unreadable key file names the listener and the file', async () => {
    const r = run(['check-config', tlsConfig('bad-key.yaml', serverCert, garbage)]);
    assert.equal(await r.exited, 2);
    assert.equal(r.stderr.length, 1);
    assert.match(r.stderr[0]!, /^swiftlet: invalid configuration: listeners\[1\]: listener secure: key .*garbage\.pem: not a usable PEM private key/);
  });

  test('check-config: a key that does not belong to the certificate names both files', async () => {
    const r = run(['check-config', tlsConfig('mismatch.yaml', serverCert, otherKey)]);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr[0]!, /listener secure: certificate .*server\.crt with key .*client\.key: .*key values mismatch/);
  });

  test('check-config: a key file where the certificate should be names the certificate file', async () => {
    const r = run(['check-config', tlsConfig('swapped.yaml', serverKey, serverKey)]);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr[0]!, /listener secure: certificate .*server\.key: not a usable PEM certificate/);
  });

  test('start refuses the same file with the same message and binds nothing (exit 2)', async () => {
    const r = run(['--config', tlsConfig('bad-start.yaml', serverCert, garbage)]);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr.join('\n'), /listener secure: key .*garbage\.pem: not a usable PEM private key/);
    assert.ok(!r.stdout.some((l) => l.includes('listening')), 'nothing was bound');
  });
});
