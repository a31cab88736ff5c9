// The HTTP tokens in the configuration: http.token and http.readOnlyToken (file or environment), http.dashboard,
// and a server built from that configuration answering with the right scope.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue } from '../../src/config/config-checker.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { SwiftletServer } from '../../src/server/create-server.js';
import { createLogger } from '../../src/server/create-logger.js';

const FULL = 'full-token-0123456789';
const READ = 'read-token-0123456789';

function messages(raw: unknown): string[] {
  return validateConfig(raw, { baseDir: process.cwd() }).issues.map(formatIssue);
}

test('http.readOnlyToken: at least 16 characters, a string, different from http.token; http.dashboard a boolean', () => {
  assert.deepEqual(messages({ http: { port: 0, readOnlyToken: 'short' } }), ['http.readOnlyToken: expected at least 16 characters, found 5']);
  assert.deepEqual(messages({ http: { port: 0, readOnlyToken: 1234 } }), ['http.readOnlyToken: expected a non-empty string, found 1234']);
  assert.deepEqual(messages({ http: { port: 0, token: FULL, readOnlyToken: FULL } }), ['http.readOnlyToken: must differ from http.token']);
  assert.deepEqual(messages({ http: { port: 0, dashboard: 'yes' } }), ['http.dashboard: expected true or false, found "yes"']);
  const ok = validateConfig({ http: { port: 0, token: FULL, readOnlyToken: READ, dashboard: false } }, { baseDir: process.cwd() });
  assert.deepEqual(ok.issues, []);
  assert.deepEqual(ok.config?.http, { host: '127.0.0.1', port: 0, token: FULL, readOnlyToken: READ, dashboard: false });
});

test('SWIFTLET_HTTP_READ_ONLY_TOKEN and SWIFTLET_HTTP_TOKEN: the same 16-character minimum, applied to an http section', () => {
  const env = { SWIFTLET_HTTP_PORT: '0', SWIFTLET_HTTP_TOKEN: FULL, SWIFTLET_HTTP_READ_ONLY_TOKEN: READ };
  const { config, issues } = resolveConfig({ env });
  assert.deepEqual(issues, []);
  assert.deepEqual(config.http, { host: '127.0.0.1', port: 0, token: FULL, readOnlyToken: READ });
  const bad = resolveConfig({ env: { SWIFTLET_HTTP_PORT: '0', SWIFTLET_HTTP_TOKEN: 'too-short', SWIFTLET_HTTP_READ_ONLY_TOKEN: 'also-short' } });
  assert.deepEqual(bad.issues.map(formatIssue), ['SWIFTLET_HTTP_TOKEN: expected at least 16 characters, found 9', 'SWIFTLET_HTTP_READ_ONLY_TOKEN: expected at least 16 characters, found 10']);
});

test('a server built from the configuration gives the read-only token read access only, and serves the dashboard', async () => {
  const { config, issues } = resolveConfig({ env: { SWIFTLET_HTTP_PORT: '0', SWIFTLET_HTTP_TOKEN: FULL, SWIFTLET_HTTP_READ_ONLY_TOKEN: READ, SWIFTLET_PORT: '0' } });
  assert.deepEqual(issues, []);
  const server = await SwiftletServer.create(config, createLogger({ level: 'silent', format: 'json' }));
  const bound = await server.start();
  try {
    const http = bound.find((b) => b.kind === 'HTTP');
    assert.ok(http !== undefined);
    const base = `http://${http.where}`;
    const call = (path: string, token: string, method = 'GET'): Promise<Response> => fetch(base + path, { method, headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await (await call('/api/v1/token', READ)).json(), { scope: 'read-only' });
    assert.deepEqual(await (await call('/api/v1/token', FULL)).json(), { scope: 'full' });
    const refused = await call('/api/v1/publish', READ, 'POST');
    assert.equal(refused.status, 403);
    await refused.text();
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Swiftlet dashboard/);
  } finally {
    await server.close();
  }
});
