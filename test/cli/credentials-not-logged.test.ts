// Credentials never reach the logs: a real `swiftlet` run at debug level with packet logging, a ledger, HTTP auth with a
// secret header and a secret in its URL, a signed webhook, a bridge with a password and the API token, exercised with
// right and wrong passwords and tokens; no secret appears in stdout or stderr in any encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPasswordSync } from '../../src/index.js';
import { connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { mqttPort, run, waitForLog } from '../helpers/cli-process.js';
import { startEndpoint } from '../helpers/http-endpoint.js';

const SECRETS = {
  alicePassword: 'alice-Pa55word-7c1e',
  wrongPassword: 'wrong-Pa55word-93ad',
  unknownUserPassword: 'nobody-Pa55word-5b20',
  apiToken: 'api-token-0f3a9d1c2b7e4a66',
  wrongToken: 'wrong-token-8e2d5c1a9f3b7d40',
  authHeader: 'auth-header-secret-4d8e',
  authUrlKey: 'auth-url-key-2a6f',
  webhookSecret: 'webhook-secret-9b1c',
  bridgePassword: 'bridge-Pa55word-61e7',
};

/** Every form a secret could take in a log line: as is, base64, hex, and JSON-escaped. */
function forms(secret: string): string[] {
  const b = Buffer.from(secret);
  return [secret, b.toString('base64'), b.toString('base64url'), b.toString('hex'), JSON.stringify(secret).slice(1, -1)];
}

test('a debug-level run with packet logging writes no password, token or secret to its output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-creds-'));
  // The bridge's remote refuses every CONNECT, so the bridge logs connect failures (with its password in the CONNECT).
  const remote = await startBroker({ sysInterval: 0 }, (b) => void b.addHook({ id: 'refuse', authenticate: () => ({ decision: 'deny', reasonCode: 0x86 }) }));
  // The auth service leaves every client to the ledger, except 'svc-fail', for which it fails (logged as unavailable).
  const auth = await startEndpoint((req) => ((req.body as { clientId?: string }).clientId === 'svc-fail' ? { status: 500, body: { error: 'boom' } } : { status: 200, body: { result: 'ignore' } }));
  const webhook = await startEndpoint(() => ({ status: 503, body: {} }));
  const hash = hashPasswordSync(SECRETS.alicePassword, { cost: 1024 });
  const file = join(dir, 'swiftlet.yaml');
  writeFileSync(
    file,
    [
      'listeners:',
      '  - type: tcp',
      '    port: 0',
      'http:',
      '  port: 0',
      'auth:',
      '  ledger:',
      '    users:',
      `      alice: { password: "${hash}" }`,
      '  http:',
      `    url: "${auth.url}/auth?key=\${AUTH_URL_KEY}"`,
      '    cacheSeconds: 0',
      '    headers: { Authorization: "Bearer ${AUTH_HEADER}" }',
      'webhooks:',
      `  - url: "${webhook.url}/hook"`,
      '    secret: "${WEBHOOK_SECRET}"',
      '    headers: { X-Api-Key: "${WEBHOOK_SECRET}" }',
      '    batch: { maxMessages: 1, maxDelayMs: 10 }',
      '    retry: { maxAttempts: 1 }',
      'bridges:',
      '  - name: remote',
      `    url: "mqtt://127.0.0.1:${remote.port}"`,
      '    username: bridge-user',
      '    passwordEnv: BRIDGE_PASSWORD',
      '    reconnectDelay: 100',
      '    topics: [{ filter: "b/#", direction: out }]',
      'debug: true',
      'logging: { level: trace, format: json }',
      'sys: { interval: 0 }',
      '',
    ].join('\n'),
  );
  const r = run(['--config', file], {
    SWIFTLET_HTTP_TOKEN: SECRETS.apiToken,
    AUTH_URL_KEY: SECRETS.authUrlKey,
    AUTH_HEADER: SECRETS.authHeader,
    WEBHOOK_SECRET: SECRETS.webhookSecret,
    BRIDGE_PASSWORD: SECRETS.bridgePassword,
  });
  try {
    const port = await mqttPort(r, 60_000);
    const httpLine = await waitFor(() => r.stdout.some((l) => l.startsWith('swiftlet: HTTP listening on')), 15_000, 'HTTP line').then(() => r.stdout.find((l) => l.startsWith('swiftlet: HTTP listening on'))!);
    const httpBase = `http://${httpLine.slice('swiftlet: HTTP listening on '.length)}`;

    for (const protocolVersion of [4, 5] as const) {
      const alice = await connectClient(port, { protocolVersion, clientId: `alice-${protocolVersion}`, username: 'alice', password: SECRETS.alicePassword });
      alice.publish('b/x', 'hello');
      await endClient(alice);
      await assert.rejects(connectClient(port, { protocolVersion, clientId: `wrong-${protocolVersion}`, username: 'alice', password: SECRETS.wrongPassword }));
      await assert.rejects(connectClient(port, { protocolVersion, clientId: `unknown-${protocolVersion}`, username: 'nobody', password: SECRETS.unknownUserPassword }));
    }
    await assert.rejects(connectClient(port, { protocolVersion: 5, clientId: 'svc-fail', username: 'alice', password: SECRETS.alicePassword }));
    assert.equal((await fetch(`${httpBase}/api/v1/clients`, { headers: { Authorization: `Bearer ${SECRETS.apiToken}` } })).status, 200);
    assert.equal((await fetch(`${httpBase}/api/v1/clients`, { headers: { Authorization: `Bearer ${SECRETS.wrongToken}` } })).status, 401);

    await waitForLog(r, 'client refused', (l) => l.clientId === 'wrong-5');
    await waitForLog(r, 'client refused', (l) => l.clientId === 'unknown-5');
    await waitForLog(r, 'bridge connect failed');
    await waitFor(() => r.stderr.some((l) => l.includes('service unavailable')), 10_000, 'the auth service failure in the log');
    await waitFor(() => webhook.requests.length > 0, 10_000, 'a webhook request');
    // The secrets did travel where they belong: the auth service got its header and key, the webhook its signature.
    assert.equal(auth.requests[0]?.headers.authorization, `Bearer ${SECRETS.authHeader}`);
    assert.ok(auth.requests[0]?.path.includes(SECRETS.authUrlKey));
    assert.ok(webhook.requests[0]?.headers['x-swiftlet-signature'] !== undefined);
  } finally {
    r.child.kill('SIGTERM');
    await r.exited;
    await Promise.all([remote.close(), auth.close(), webhook.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
  const output = [...r.stdout, ...r.stderr].join('\n');
  // The run did log at debug level (packets included), so the check below had something to look through.
  assert.ok(r.stderr.some((l) => l.includes('"level":20')), 'no debug lines were logged');
  assert.ok(output.includes('client refused'));
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of forms(secret)) assert.ok(!output.includes(form), `${name} appears in the output (as ${JSON.stringify(form)})`);
  }
});
