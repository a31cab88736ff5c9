// The examples stay runnable: the gomqtt-style backend sees every event, the custom-hook embedding enforces its rules,
// and examples/swiftlet.yaml validates.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { SERVE_OPTIONS } from '../../src/cli/serve-command.js';
import { parse } from 'yaml';
import { resolveConfig } from '../../src/config/load-config.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { ENV_VARIABLES } from '../../src/config/overrides.js';
import { startDemoBroker } from '../../examples/embed-custom-hooks.js';
import { startGomqttBroker } from '../../examples/gomqtt-backend.js';
import { collect, connectClient, endClient, waitFor } from '../helpers/broker.js';

const ROOT = resolve(import.meta.dirname, '../..');

test('examples/swiftlet.yaml loads without errors and sets every section', () => {
  const { config, issues } = resolveConfig({ configFile: join(ROOT, 'examples/swiftlet.yaml'), env: {} });
  assert.deepEqual(issues, []);
  assert.equal(config.id, 'swiftlet-example');
  assert.equal(config.listeners[0]?.port, 1883);
  // Safe to copy: no rate limit that would silently drop a 3.1.1 client's messages.
  assert.equal(config.rateLimit, undefined);
  assert.equal(config.capabilities.maximumPacketSize, 1048576);
  assert.equal(config.sharedSubscriptionStrategy, 'round-robin');
});

test('examples/swiftlet.yaml: the commented rate limit, uncommented, is valid and disconnects (every client notices)', () => {
  const text = readFileSync(join(ROOT, 'examples/swiftlet.yaml'), 'utf8');
  const block = /^# rateLimit:\n(?:# {3}.*\n)+/m.exec(text)?.[0];
  assert.ok(block !== undefined, 'the example shows a rate limit');
  const yaml = block.replace(/^# /gm, '').replace(/#.*$/gm, '');
  const { config, issues } = validateConfig(parse(yaml));
  assert.deepEqual(issues, []);
  assert.equal(config.rateLimit?.action, 'disconnect');
});

describe('examples/gomqtt-backend.ts', () => {
  test('the backend is told of authenticate, setup, subscribe, publish, forward, unsubscribe and terminate', async () => {
    const { broker, backend, persistence, port } = await startGomqttBroker({ users: new Map([['u', 'p']]) });
    try {
      await assert.rejects(connectClient(port, { username: 'u', password: 'wrong', clientId: 'bad' }));
      const c = await connectClient(port, { username: 'u', password: 'p', clientId: 'c1', clean: false, protocolVersion: 4 });
      const got = collect(c);
      await c.subscribeAsync('a/+', { qos: 1 });
      assert.equal(persistence.store.subscriptions.size, 1, 'the subscription record went to the Map');
      await c.publishAsync('a/b', 'hi', { qos: 1, retain: true });
      await waitFor(() => got.length === 1, 3000, 'message');
      assert.equal(persistence.store.retained.get('a/b')?.payload.toString(), 'hi');
      await c.unsubscribeAsync('a/+');
      assert.equal(persistence.store.subscriptions.size, 0);
      await endClient(c);
      await waitFor(() => backend.log.some((e) => e.event === 'terminate'), 3000, 'terminate');
      const events = backend.log.filter((e) => e.clientId === 'c1' || e.clientId === 'bad' || e.clientId === '').map((e) => `${e.event} ${e.detail}`);
      for (const expected of [
        'authenticate u refused',
        'authenticate u allowed',
        'setup new session',
        'subscribe a/+ qos 1',
        'message published a/b hi',
        'message forwarded a/b',
        'store retained a/b',
        'unsubscribe a/+',
      ]) {
        assert.ok(events.includes(expected), `missing "${expected}" in ${JSON.stringify(events)}`);
      }
      assert.ok(events.some((e) => e.startsWith('terminate ')));
      assert.ok(events.some((e) => e.startsWith('new connection tcp 127.0.0.1:')));
    } finally {
      await broker.close();
    }
  });
});

describe('examples/embed-custom-hooks.ts', () => {
  test('known users connect, others are refused, and the ACL keeps publishes in the own prefix', async () => {
    const { broker, hook, port } = await startDemoBroker(0);
    try {
      await assert.rejects(connectClient(port, { username: 'alice', password: 'nope' }));
      const alice = await connectClient(port, { protocolVersion: 5, username: 'alice', password: 'wonderland' });
      await alice.publishAsync('users/alice/x', '1', { qos: 1 });
      await assert.rejects(alice.publishAsync('users/bob/x', '2', { qos: 1 }));
      await waitFor(() => hook.published.length === 1, 3000, 'published');
      assert.deepEqual(hook.published, ['alice -> users/alice/x: 1']);
      await endClient(alice);
    } finally {
      await broker.close();
    }
  });
});

test('docs/configuration.md documents every top-level key, environment variable and flag', () => {
  const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
  const keys = ['id', 'listeners', 'http', 'auth', 'rateLimit', 'debug', 'capabilities', 'compatibilities', 'logging', 'sys', 'sharedSubscriptionStrategy', 'responseInformationPrefix'];
  for (const key of keys) assert.ok(doc.includes(`### \`${key}\``), `docs miss ${key}`);
  for (const name of ENV_VARIABLES) assert.ok(doc.includes(name), `docs miss ${name}`);
  for (const flag of Object.keys(SERVE_OPTIONS)) assert.ok(doc.includes(`--${flag}`), `docs miss --${flag}`);
});
