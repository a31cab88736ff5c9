// Fuzzes a real `swiftlet` process over loopback TCP for a bounded time and connection count, then checks that it
// survived. Exit 0 when it did, 1 otherwise (the failing checks are printed).
// Run: npm run fuzz:broker -- --seconds 60 --connections 100000 --concurrency 300 --seed 1
import { parseArgs } from 'node:util';
import { runFuzzCheck } from '../test/hardening/fuzz-run.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '300' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    'max-rss-mb': { type: 'string', default: '512' },
  },
});
const num = (name: keyof typeof values): number => {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: expected a number, found ${String(values[name])}`);
  return v;
};
const options = { seconds: num('seconds'), connections: num('connections'), concurrency: num('concurrency'), seed: num('seed') };
const maxRssMiB = num('max-rss-mb');
console.log(`fuzz-broker: ${JSON.stringify(options)}`);
const result = await runFuzzCheck(options, (r, rss) =>
  console.log(`  ${(r.elapsedMs / 1000).toFixed(0)} s: ${r.connections} connections, ${r.closedByBroker} closed by the broker, ${(r.bytesSent / 1e6).toFixed(1)} MB sent, broker RSS ${rss} MiB`),
);
const f = result.fuzz;
console.log(
  [
    `connections: ${f.connections} (3.1: ${f.byVersion[3]}, 3.1.1: ${f.byVersion[4]}, 5.0: ${f.byVersion[5]}) in ${(f.elapsedMs / 1000).toFixed(1)} s`,
    `closed by the broker: ${f.closedByBroker}, connect errors: ${f.connectErrors}`,
    `sent ${(f.bytesSent / 1e6).toFixed(1)} MB, received ${(f.bytesReceived / 1e6).toFixed(1)} MB`,
    `broker RSS before ${result.rssBeforeMiB} MiB, peak ${result.peakRssMiB} MiB (limit ${maxRssMiB})`,
    `broker fds before ${result.fdsBefore}, after ${result.fdsAfter}`,
    `clean QoS 1 round trip after: 3.1.1 ${result.roundTripMs.v4?.toFixed(1) ?? '-'} ms, 5.0 ${result.roundTripMs.v5?.toFixed(1) ?? '-'} ms`,
  ].join('\n'),
);
const failures = [...result.errors, ...result.problems.map((p) => `stderr: ${p}`)];
if (result.peakRssMiB > maxRssMiB) failures.push(`peak RSS ${result.peakRssMiB} MiB is over --max-rss-mb ${maxRssMiB}`);
if (result.fdsAfter > result.fdsBefore) failures.push(`the broker holds ${result.fdsAfter - result.fdsBefore} more file descriptors than before the fuzz`);
if (failures.length > 0) {
  console.log(`FAIL (seed ${options.seed}):\n  ${failures.slice(0, 50).join('\n  ')}`);
  process.exitCode = 1;
} else console.log(`OK (seed ${options.seed})`);
