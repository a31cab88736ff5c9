// What SIGHUP may change on a running server, decided by comparing the running configuration with the re-read one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/validate-config.js';
import { effectiveConfig, planReload } from '../../src/server/reload.js';
import { LIVE_CAPABILITIES } from '../../src/index.js';
import { startBroker } from '../helpers/broker.js';

function config(raw: Record<string, unknown>) {
  const { config: c, issues } = validateConfig(raw, { checkFiles: false });
  assert.deepEqual(issues, []);
  return c;
}

test('an unchanged file plans nothing', () => {
  const plan = planReload(config({}), config({}));
  assert.deepEqual(plan, { auth: false, rateLimit: { changed: false, next: undefined }, capabilities: {}, logLevel: undefined, restart: [] });
});

test('live capabilities apply, announced ones need a restart; every other section needs a restart, unknown ones too', () => {
  const current = config({ capabilities: { maximumQueuedMessages: 10, receiveMaximum: 100 } });
  const next = config({
    capabilities: { maximumQueuedMessages: 20, receiveMaximum: 50, maximumClients: 3 },
    listeners: [{ type: 'tcp', port: 1884 }],
    http: { port: 0 },
    storage: { type: 'lmdb', path: '/tmp/x' },
    auth: { scram: true },
  });
  const plan = planReload(current, next);
  assert.deepEqual(plan.capabilities, { maximumQueuedMessages: 20, maximumClients: 3 });
  assert.deepEqual(plan.restart.sort(), ['auth.scram', 'capabilities.receiveMaximum', 'http', 'listeners', 'storage']);
  // A section the reload does not apply (bridges) is compared too, and needs a restart.
  const withExtra = { ...next, bridges: [{ name: 'b', url: 'mqtt://127.0.0.1:1', topics: [] }] } as unknown as typeof next;
  assert.ok(planReload(next, withExtra).restart.includes('bridges'));
  // What is in force afterwards keeps the running values of the restart-only keys.
  const effective = effectiveConfig(current, next, { ledger: undefined, certificates: [], applied: [], restart: plan.restart, failed: [] });
  assert.equal(effective.capabilities.receiveMaximum, 100);
  assert.equal(effective.capabilities.maximumQueuedMessages, 20);
  assert.deepEqual(effective.listeners, current.listeners);
  assert.equal(effective.http, undefined);
  assert.equal(effective.auth.scram, false);
});

test('Broker.updateCapabilities changes only live capabilities and checks their ranges', async () => {
  assert.ok(LIVE_CAPABILITIES.includes('maximumClients'));
  const running = await startBroker();
  const broker = running.broker;
  try {
    broker.updateCapabilities({ maximumClients: 5 });
    assert.equal(broker.capabilities.maximumClients, 5);
    assert.throws(() => broker.updateCapabilities({ receiveMaximum: 5 } as never), /cannot change while the broker runs/);
    assert.throws(() => broker.updateCapabilities({ connectTimeout: -1 }));
    assert.equal(broker.capabilities.connectTimeout, 10_000, 'a bad value changes nothing');
  } finally {
    await running.close();
  }
});
