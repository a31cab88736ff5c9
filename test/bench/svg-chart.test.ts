import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSvg, escapeXml } from '../../src/bench/svg-chart.js';
import { createVerification } from '../../src/bench/verify.js';
import type { BenchResult } from '../../src/bench/result.js';

function result(name: string, scenario: string, label: string, delRate: number, latency: BenchResult['latency'] = null): BenchResult {
  return {
    name, scenario, label, round: 1, mqtt: 4, qos: 0, size: 64, pubs: 1, subs: 1, workers: 1, windowS: 1, published: delRate,
    delivered: delRate, pubRate: delRate, delRate, latency, conns: null, retained: null, verification: createVerification(),
    verdict: 'ok', genCpu: 0.5, genCores: 1, brokerCpu: 1,
  };
}

/** Checks that tags nest and close properly (enough of XML well-formedness for our writer). */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, attrs, selfClose] = m;
    assert.ok(!/[<&](?!amp;|lt;|gt;|quot;|apos;)/.test(attrs!), `bad attribute text in <${name}>`);
    if (selfClose === '/') continue;
    if (close === '/') assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.ok(!/&(?!amp;|lt;|gt;|quot;|apos;)/.test(body), 'unescaped ampersand');
}

test('the chart is one well-formed svg with a bar per broker per scenario', () => {
  const lat = { count: 10, p50: 100, p90: 200, p99: 300, max: 400, mean: 150 };
  const results = [
    result('fanin', 'fanin', 'swiftlet', 500000),
    result('fanin', 'fanin', 'mosquitto', 250000),
    result('pairs-q1', 'pairs', 'swiftlet', 90000),
    result('pairs-q1', 'pairs', 'mosquitto', 80000),
    result('latency', 'latency', 'swiftlet', 5000, lat),
    result('latency', 'latency', 'mosquitto', 5000, { ...lat, p99: 900 }),
  ];
  const svg = renderSvg(results, ['swiftlet', 'mosquitto'], 'a <b> & "c"');
  assertWellFormed(svg);
  assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const bars = [...svg.matchAll(/<rect class="bar" data-broker="([^"]+)" data-value="([^"]+)"/g)].map((m) => `${m[1]}=${m[2]}`);
  // 2 throughput panels x 2 brokers, then 3 percentiles x 2 brokers
  assert.deepEqual(bars, [
    'swiftlet=500000', 'mosquitto=250000', 'swiftlet=90000', 'mosquitto=80000',
    'swiftlet=100', 'swiftlet=200', 'swiftlet=300', 'mosquitto=100', 'mosquitto=200', 'mosquitto=900',
  ]);
  assert.ok(svg.includes('a &lt;b&gt; &amp; &quot;c&quot;'));
});

test('the taller bar belongs to the larger value', () => {
  const svg = renderSvg([result('fanin', 'fanin', 'a', 100), result('fanin', 'fanin', 'b', 50)], ['a', 'b']);
  const heights = [...svg.matchAll(/class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(heights.length, 2);
  assert.ok(Math.abs(heights[0]! - 2 * heights[1]!) < 0.2);
});

test('escapeXml escapes the five special characters', () => {
  assert.equal(escapeXml(`<a & 'b' "c">`), '&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;');
});
