// The soak's growth criterion (median of the last third against the second third, first third is warm-up) and its
// SVG plot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeGrowth, median } from './growth.js';
import { Prng } from './prng.js';
import { renderSoakSvg } from './soak-chart.js';

const TOLERANCE = { absolute: 16, relative: 0.1 };

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
});

test('a flat series with noise and single spikes does not grow', () => {
  const rng = new Prng(9);
  const series = Array.from({ length: 120 }, (_, i) => 120 + rng.int(-6, 6) + (i % 17 === 0 ? 60 : 0));
  const v = judgeGrowth(series, TOLERANCE);
  assert.equal(v.grew, false, JSON.stringify(v));
});

test('a steady leak after warm-up grows', () => {
  // 0.5 MiB per sample: 40 samples apart the thirds differ by about 20 MiB.
  const series = Array.from({ length: 120 }, (_, i) => 100 + i * 0.5);
  const v = judgeGrowth(series, TOLERANCE);
  assert.equal(v.grew, true, JSON.stringify(v));
  assert.ok(v.growth > 16);
});

test('warm-up growth in the first third is not judged', () => {
  const series = Array.from({ length: 90 }, (_, i) => (i < 30 ? 60 + i * 2 : 120));
  assert.equal(judgeGrowth(series, TOLERANCE).grew, false);
});

test('the relative tolerance applies to large baselines', () => {
  const series = [...Array.from({ length: 20 }, () => 1000), ...Array.from({ length: 10 }, () => 1090)];
  assert.equal(judgeGrowth(series, TOLERANCE).grew, false, '90 on 1000 is within 10%');
  const more = [...Array.from({ length: 20 }, () => 1000), ...Array.from({ length: 10 }, () => 1110)];
  assert.equal(judgeGrowth(more, TOLERANCE).grew, true);
});

test('fewer than six samples cannot be judged', () => {
  assert.throws(() => judgeGrowth([1, 2, 3, 4, 5], TOLERANCE), RangeError);
});

test('the SVG has one line per series, the verdict and escaped labels', () => {
  const times = Array.from({ length: 12 }, (_, i) => i * 10);
  const rss = times.map((t) => 100 + t);
  const svg = renderSoakSvg('soak <test>', times, [
    { title: 'RSS', unit: 'MiB', lines: [{ label: 'rss', values: rss, color: '#000' }], verdict: judgeGrowth(rss, TOLERANCE) },
    { title: 'Latency', unit: 'ms', lines: [{ label: 'p50', values: times.map(() => 1), color: '#111' }, { label: 'p99 & max', values: times.map(() => 2), color: '#222' }] },
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<polyline /g)?.length, 3);
  assert.match(svg, /soak &lt;test&gt;/);
  assert.match(svg, /p99 &amp; max/);
  assert.match(svg, /GREW: \+/);
  assert.equal(svg.match(/<polyline [^>]*points="([^"]*)"/)?.[1]?.split(' ').length, 12, 'one point per sample');
});
