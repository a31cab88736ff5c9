// End to end: a tiny pairs QoS 1 run (full PUBLISH/PUBACK flow) against a real Mosquitto on a free port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCommand, startBroker } from '../../src/bench/broker-process.js';
import { RUN_FLAGS, parseFlags, resolveRunConfig } from '../../src/bench/args.js';
import { runScenario } from '../../src/bench/run-scenario.js';

const skip = hasCommand('mosquitto') ? false : 'mosquitto is not installed (apt-get install -y mosquitto); end-to-end bench test skipped';

test('pairs QoS 1 against mosquitto delivers everything once and in order', { skip, timeout: 30000 }, async () => {
  const broker = await startBroker({ name: 'mosquitto', command: 'mosquitto-bench {port}' }, { cpu: null, logFile: '/dev/null' });
  try {
    const cfg = resolveRunConfig(
      parseFlags(
        ['--scenario', 'pairs', '--pairs', '2', '--qos', '1', '--duration', '400ms', '--warmup', '100ms', '--drain', '3s', '--workers', '1',
          '--port', String(broker.port), '--broker-pid', String(broker.pid), '--label', 'mosquitto'],
        new Set(RUN_FLAGS),
      ),
    );
    const r = await runScenario(cfg);
    assert.equal(r.verdict, 'ok', JSON.stringify(r.verification));
    assert.ok(r.delivered > 0, 'something was delivered in the window');
    assert.ok(r.verification.expected > 0);
    assert.equal(r.verification.received, r.verification.expected);
    assert.equal(r.verification.lost, 0);
    assert.equal(r.label, 'mosquitto');
    assert.ok(broker.alive());
  } finally {
    await broker.stop();
  }
  assert.equal(broker.alive(), false);
});
