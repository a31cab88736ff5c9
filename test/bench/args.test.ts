import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchArgError, RUN_FLAGS, parseFlags, resolveRunConfig } from '../../src/bench/args.js';
import { countCpuList, parseDuration } from '../../src/bench/config.js';
import { runBenchCommand } from '../../src/cli/bench-command.js';
import { brokerOrderForRound, presetArgs } from '../../src/bench/compare.js';

const known = new Set<string>(RUN_FLAGS);
const run = (argv: string[]) => resolveRunConfig(parseFlags(argv, known));

test('scenario defaults follow the presets', () => {
  const fanin = run(['--scenario', 'fanin']);
  assert.deepEqual([fanin.pubs, fanin.subs, fanin.qos, fanin.window], [10, 1, 0, 2000]);
  const fanout = run(['--scenario', 'fanout', '--qos', '1']);
  assert.deepEqual([fanout.pubs, fanout.subs, fanout.window, fanout.inflight], [1, 100, 800, 20]);
  const pairs = run(['--scenario=pairs', '--qos=2', '--pairs', '5']);
  assert.deepEqual([pairs.pubs, pairs.subs, pairs.name], [5, 5, 'pairs-q2']);
  const lat = run(['--scenario', 'latency']);
  assert.deepEqual([lat.rate, lat.window, lat.pubs], [5000, 0, 1]);
  assert.equal(run(['--scenario', 'retained']).qos, 1);
});

test('argument errors say which flag is wrong', () => {
  const cases: [string[], RegExp][] = [
    [[], /--scenario is required/],
    [['--scenario', 'nope'], /unknown scenario "nope"/],
    [['--scenario', 'pairs', '--bogus', '1'], /unknown flag --bogus/],
    [['--scenario', 'pairs', '--qos'], /--qos needs a value/],
    [['--scenario', 'pairs', '--qos', '3'], /--qos must be an integer from 0 to 2/],
    [['--scenario', 'pairs', '--mqtt', '3'], /--mqtt must be an integer from 4 to 5/],
    [['--scenario', 'pairs', '--size', '8'], /--size must be an integer from 16/],
    [['--scenario', 'pairs', '--duration', 'soon'], /--duration: bad duration "soon"/],
    [['--scenario', 'latency', '--rate', '0'], /--rate must be > 0/],
    [['--scenario', 'fanin', '--subs', '2'], /--subs must be an integer from 1 to 1/],
  ];
  for (const [argv, re] of cases) assert.throws(() => run(argv), (e: unknown) => e instanceof BenchArgError && re.test(e.message), argv.join(' '));
  assert.throws(() => parseFlags(['--json=1'], new Set(['json'])), /--json takes no value/);
});

test('durations and cpu lists parse', () => {
  assert.equal(parseDuration('8s'), 8000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2m'), 120000);
  assert.equal(parseDuration('1.5'), 1500);
  assert.equal(countCpuList('0-3,6'), 5);
  assert.equal(countCpuList('1'), 1);
});

test('the command returns 2 on usage errors without running anything', async () => {
  assert.equal(await runBenchCommand(['run', '--scenario', 'pairs', '--qos', '9']), 2);
  assert.equal(await runBenchCommand(['frobnicate']), 2);
  assert.equal(await runBenchCommand(['compare', '--broker', 'x=no-port-placeholder']), 2);
  assert.equal(await runBenchCommand(['compare', '--scenarios', 'fanin nope']), 2);
});

test('compare alternates the broker order and appends overrides after the preset', () => {
  const b = [{ name: 'a', command: 'a {port}' }, { name: 'b', command: 'b {port}' }];
  assert.deepEqual(brokerOrderForRound(b, 1).map((x) => x.name), ['a', 'b']);
  assert.deepEqual(brokerOrderForRound(b, 2).map((x) => x.name), ['b', 'a']);
  const args = presetArgs('pairs-q1', { overrides: ['--mqtt', '5'], flowOverrides: ['--duration', '1s'] });
  const cfg = run(args);
  assert.deepEqual([cfg.scenario, cfg.qos, cfg.pubs, cfg.mqtt, cfg.durationMs, cfg.name], ['pairs', 1, 20, 5, 1000, 'pairs-q1']);
  assert.ok(!presetArgs('conns', { overrides: [], flowOverrides: ['--duration', '1s'] }).includes('--duration'));
});
