import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCompare, median, spreadPercent, summarizeCompare } from '../../src/bench/report.js';
import { createVerification } from '../../src/bench/verify.js';
import type { BenchResult } from '../../src/bench/result.js';

function r(label: string, delRate: number, verdict = 'ok'): BenchResult {
  return {
    name: 'fanin', scenario: 'fanin', label, round: 1, mqtt: 4, qos: 0, size: 64, pubs: 10, subs: 1, workers: 1, windowS: 1,
    published: 0, delivered: 0, pubRate: 0, delRate, latency: null, conns: null, retained: null, verification: createVerification(),
    verdict, genCpu: 0, genCores: 1, brokerCpu: null,
  };
}

test('median and spread', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(spreadPercent([90, 100, 110]), 10);
  assert.equal(spreadPercent([5]), 0);
});

test('compare medians exclude runs whose verdict is not ok, and ratios use the first broker', () => {
  const rows = summarizeCompare([r('a', 100), r('a', 120), r('a', 110), r('b', 300), r('b', 5, 'lost 3 of 9'), r('b', 200)], ['a', 'b']);
  assert.equal(rows.length, 2);
  assert.deepEqual([rows[0]!.broker, rows[0]!.median, rows[0]!.ratio, rows[0]!.counted], ['a', 110, 1, 3]);
  assert.deepEqual([rows[1]!.broker, rows[1]!.median, rows[1]!.counted, rows[1]!.runs], ['b', 250, 2, 3]);
  assert.ok(Math.abs(rows[1]!.ratio - 250 / 110) < 1e-9);
  assert.match(formatCompare(rows), /fanin\s+delivered ↑\s+b\s+250\s+msg\/s\s+20\.0%\s+2\.27x\s+2\/3/);
});
