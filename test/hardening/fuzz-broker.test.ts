// Fuzzes the real `swiftlet` process for a few seconds with hundreds of connections speaking 3.1, 3.1.1 and 5.0
// (catalogue cases, random valid packets, their mutations, random bytes), then checks it survived: still running, a
// clean client gets a QoS 1 round trip in 3.1.1 and 5.0, nothing uncaught or error-level on stderr, every fuzz
// connection released, and memory bounded. The long run is `npm run fuzz:broker` (docs/hardening.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzzCheck } from './fuzz-run.js';

// A fixed seed: a failure here repeats with `npm run fuzz:broker -- --seed 18 ...`.
const SEED = 18;

test('the broker survives a short fuzz run: alive, serving, nothing uncaught, memory bounded', { timeout: 240_000 }, async () => {
  const result = await runFuzzCheck({ seconds: 12, connections: 4000, concurrency: 200, seed: SEED, lingerMs: 2000 });
  const f = result.fuzz;
  assert.ok(f.connections >= 200, `at least a few hundred connections were made (${f.connections})`);
  for (const v of [3, 4, 5] as const) assert.ok(f.byVersion[v] > 0, `version ${v} was spoken`);
  assert.ok(f.closedByBroker > 0, 'the broker closed connections that sent bad input');
  assert.deepEqual(result.errors, []);
  assert.equal(result.alive, true);
  assert.ok(result.roundTripMs.v4 !== undefined && result.roundTripMs.v5 !== undefined, 'clean 3.1.1 and 5.0 round trips');
  assert.deepEqual(result.problems, [], 'no uncaught exception, unhandled rejection or error-level log');
  assert.ok(result.fdsAfter <= result.fdsBefore, `no fuzz connection left open in the broker (fds ${result.fdsBefore} -> ${result.fdsAfter})`);
  // Generous: the point is "bounded", not a figure (the long run reports the figure).
  assert.ok(result.peakRssMiB < 512, `peak RSS ${result.peakRssMiB} MiB`);
});
