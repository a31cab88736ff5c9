// Validation of auth.http, auth.jwt, webhooks and hooks: exact messages in the style of every other config error,
// `${NAME}` references resolved from the environment, and secrets never echoed in a message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatIssue } from '../../src/config/config-checker.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveConfig } from '../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'swiftlet-integrations-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'hook.mjs'), 'export default () => ({ id: "x" });\n');
writeFileSync(join(dir, 'webhook.secret'), 's3cret\n');

const ENV = { AUTH_TOKEN: 'tok-123', HOOK_SECRET: 'from-env' };

function messages(raw: unknown): string[] {
  return validateConfig(raw, { baseDir: dir, env: ENV }).issues.map(formatIssue);
}

const BAD: { name: string; raw: unknown; expected: string[] }[] = [
  { name: 'auth key list', raw: { auth: { ldap: {} } }, expected: ['auth.ldap: unknown key (expected one of allowAnonymous, ledger, ledgerFile, watch, scram, useCertificateCommonNameAsUsername, http, jwt)'] },
  { name: 'http without url', raw: { auth: { http: {} } }, expected: ['auth.http.url: expected the URL of the authentication service, found nothing'] },
  { name: 'http url scheme', raw: { auth: { http: { url: 'ftp://x/auth' } } }, expected: ['auth.http.url: expected an http:// or https:// URL, found "ftp://x/auth"'] },
  { name: 'http timeout', raw: { auth: { http: { url: 'http://a/', timeoutMs: 0 } } }, expected: ['auth.http.timeoutMs: expected an integer in 1..600000, found 0'] },
  { name: 'http unknown key', raw: { auth: { http: { url: 'http://a/', retries: 3 } } }, expected: ['auth.http.retries: unknown key (expected one of url, aclUrl, timeoutMs, cacheSeconds, maxCacheEntries, maxConcurrent, headers)'] },
  { name: 'missing environment variable', raw: { auth: { http: { url: 'http://a/', headers: { Authorization: 'Bearer ${NOPE}' } } } }, expected: ['auth.http.headers.Authorization: expected the environment variable NOPE to be set, found nothing'] },
  { name: 'header value not a string (not echoed)', raw: { auth: { http: { url: 'http://a/', headers: { 'X-Key': 12345 } } } }, expected: ['auth.http.headers.X-Key: expected a non-empty string'] },
  { name: 'jwt without a key source', raw: { auth: { jwt: { issuer: 'i' } } }, expected: ['auth.jwt: expected exactly one of jwksUrl, secretFile, secret, publicKeyFile, found none'] },
  { name: 'jwt with two key sources', raw: { auth: { jwt: { jwksUrl: 'https://i/jwks', secretFile: 'webhook.secret' } } }, expected: ['auth.jwt: expected exactly one of jwksUrl, secretFile, secret, publicKeyFile, found jwksUrl, secretFile'] },
  { name: 'jwt secret written in the file (not echoed)', raw: { auth: { jwt: { secret: 'hunter2hunter2' } } }, expected: ['auth.jwt.secret: expected a ${NAME} environment reference (secrets are not written in the file), found a string'] },
  { name: 'jwt algorithm', raw: { auth: { jwt: { secret: '${HOOK_SECRET}', algorithms: ['none'] } } }, expected: ['auth.jwt.algorithms[0]: expected one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519, found "none"'] },
  { name: 'jwks settings without jwksUrl', raw: { auth: { jwt: { secret: '${HOOK_SECRET}', jwksCacheSeconds: 5 } } }, expected: ['auth.jwt.jwksCacheSeconds: expected only with jwksUrl, found no jwksUrl'] },
  { name: 'jwt public key file missing', raw: { auth: { jwt: { publicKeyFile: 'nope.pem' } } }, expected: ['auth.jwt.publicKeyFile: expected a readable file, found "nope.pem"'] },
  { name: 'webhooks not a list', raw: { webhooks: { url: 'http://a/' } }, expected: ['webhooks: expected a list of webhooks, found an object'] },
  { name: 'webhook without url', raw: { webhooks: [{}] }, expected: ['webhooks[0].url: expected the URL of the endpoint, found nothing'] },
  {
    name: 'webhook event name',
    raw: { webhooks: [{ url: 'http://a/', events: ['client.connected', 'message.sent'] }] },
    expected: ['webhooks[0].events[1]: expected one of client.connected, client.disconnected, session.expired, message.published, message.dropped, found "message.sent"'],
  },
  { name: 'webhook topic filter', raw: { webhooks: [{ url: 'http://a/', topics: ['a/#/b'] }] }, expected: ['webhooks[0].topics[0]: expected a topic filter, found "a/#/b"'] },
  { name: 'webhook batch size', raw: { webhooks: [{ url: 'http://a/', batch: { maxMessages: 0 } }] }, expected: ['webhooks[0].batch.maxMessages: expected an integer in 1..100000, found 0'] },
  { name: 'webhook secret and secretFile', raw: { webhooks: [{ url: 'http://a/', secret: '${HOOK_SECRET}', secretFile: 'webhook.secret' }] }, expected: ['webhooks[0].secret: expected either secret or secretFile, found both'] },
  { name: 'webhook duplicate ids', raw: { webhooks: [{ url: 'http://a/', id: 'w' }, { url: 'http://b/', id: 'w' }] }, expected: ['webhooks[1].id: duplicate webhook id "w"'] },
  { name: 'webhook unknown key', raw: { webhooks: [{ url: 'http://a/', method: 'PUT' }] }, expected: ['webhooks[0].method: unknown key (expected one of id, url, events, topics, batch, secretFile, secret, headers, timeoutMs, maxQueued, concurrency, retry)'] },
  { name: 'hooks not a list', raw: { hooks: './x.mjs' }, expected: ['hooks: expected a list of { module, options }, found "./x.mjs"'] },
  { name: 'hook without module', raw: { hooks: [{ options: {} }] }, expected: ['hooks[0].module: expected the path of a JavaScript module, found nothing'] },
  { name: 'hook module missing', raw: { hooks: [{ module: './missing.mjs' }] }, expected: ['hooks[0].module: expected a readable file, found "./missing.mjs"'] },
  { name: 'hook unknown key', raw: { hooks: [{ module: './hook.mjs', config: {} }] }, expected: ['hooks[0].config: unknown key (expected one of module, options)'] },
];

describe('integration sections: bad configurations and their exact messages', () => {
  for (const c of BAD) {
    test(c.name, () => {
      assert.deepEqual(messages(c.raw), c.expected);
    });
  }
});

describe('integration sections: valid configurations', () => {
  test('defaults, ${ENV} references and paths relative to the config folder', () => {
    const { config, issues } = validateConfig(
      {
        auth: {
          http: { url: 'http://auth.local/mqtt', headers: { Authorization: 'Bearer ${AUTH_TOKEN}' } },
          jwt: { secret: '${HOOK_SECRET}', usernameClaim: 'sub', aclClaim: 'acl' },
        },
        webhooks: [{ url: 'http://ingest.local/', secretFile: 'webhook.secret' }, { url: 'http://b.local/', events: ['message.published'], topics: ['sensors/#'] }],
        hooks: [{ module: './hook.mjs', options: { a: 1 } }],
      },
      { baseDir: dir, env: ENV },
    );
    assert.deepEqual(issues, []);
    assert.deepEqual(config.auth.http, { url: 'http://auth.local/mqtt', timeoutMs: 2000, cacheSeconds: 30, headers: { Authorization: 'Bearer tok-123' } });
    assert.deepEqual(config.auth.jwt, { secret: 'from-env', usernameClaim: 'sub', aclClaim: 'acl' });
    assert.equal(config.webhooks?.length, 2);
    assert.deepEqual(config.webhooks?.[0], {
      id: 'webhook',
      url: 'http://ingest.local/',
      events: ['client.connected', 'client.disconnected', 'session.expired', 'message.published', 'message.dropped'],
      topics: ['#'],
      batch: { maxMessages: 100, maxDelayMs: 200 },
      secretFile: join(dir, 'webhook.secret'),
    });
    assert.equal(config.webhooks?.[1]?.id, 'webhook-2');
    assert.deepEqual(config.hooks, [{ module: join(dir, 'hook.mjs'), written: './hook.mjs', options: { a: 1 } }]);
  });

  test('no message ever contains a secret value', () => {
    const raw = {
      auth: { jwt: { secret: 'hunter2hunter2' }, http: { url: 'http://a/', headers: { Authorization: { token: 'hunter2hunter2' } } } },
      webhooks: [{ url: 'http://a/', secret: 'hunter2hunter2' }],
    };
    const got = messages(raw);
    assert.equal(got.length, 3);
    for (const line of got) assert.ok(!line.includes('hunter2'), line);
  });
});

describe('examples/integrations.yaml', () => {
  test('validates with its environment variables set, and names each one that is missing', () => {
    const file = join(import.meta.dirname, '../../examples/integrations.yaml');
    const env = { AUTH_TOKEN: 'a', JWT_SECRET: 'b', WEBHOOK_SECRET: 'c' };
    const ok = resolveConfig({ configFile: file, env });
    assert.deepEqual(ok.issues, []);
    assert.equal(ok.config.auth.http?.headers?.Authorization, 'Bearer a');
    assert.equal(ok.config.hooks?.[0]?.written, './hook-module.mjs');
    const missing = resolveConfig({ configFile: file, env: {} }).issues.map(formatIssue);
    assert.deepEqual(missing, [
      'auth.http.headers.Authorization: expected the environment variable AUTH_TOKEN to be set, found nothing',
      'auth.jwt.secret: expected the environment variable JWT_SECRET to be set, found nothing',
      'webhooks[0].secret: expected the environment variable WEBHOOK_SECRET to be set, found nothing',
    ]);
  });
});
