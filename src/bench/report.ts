// Text output: the results table of `bench run` and the medians table of `bench compare`.
import type { BenchResult } from './result.js';

/** One number a comparison ranks brokers by. */
export interface Metric {
  key: string;
  value: number;
  unit: string;
  higherIsBetter: boolean;
}

/** The metrics a result contributes to a comparison. */
export function metricsOf(r: BenchResult): Metric[] {
  if (r.conns !== null) {
    const m: Metric[] = [{ key: 'connect rate', value: r.conns.connectRate, unit: 'conn/s', higherIsBetter: true }];
    if (r.conns.bytesPerConn !== null) m.push({ key: 'memory', value: r.conns.bytesPerConn, unit: 'B/conn', higherIsBetter: false });
    return m;
  }
  if (r.retained !== null) return [{ key: 'retained delivery', value: r.retained.receiveRate, unit: 'msg/s', higherIsBetter: true }];
  if (r.latency !== null && r.scenario === 'latency') {
    return [
      { key: 'p50', value: r.latency.p50, unit: 'µs', higherIsBetter: false },
      { key: 'p99', value: r.latency.p99, unit: 'µs', higherIsBetter: false },
    ];
  }
  return [{ key: 'delivered', value: r.delRate, unit: 'msg/s', higherIsBetter: true }];
}

/** The median of the values (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Half the range as a percentage of the median: the ± shown next to a median. */
export function spreadPercent(values: readonly number[]): number {
  const m = median(values);
  if (values.length < 2 || !(m !== 0)) return 0;
  return ((Math.max(...values) - Math.min(...values)) / 2 / Math.abs(m)) * 100;
}

/** Renders rows as a left-aligned text table with a header rule. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Formats a number with thousands separators and at most one decimal for small values. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : (Math.round(v * 10) / 10).toString();
}

/** The results table of `bench run`. */
export function formatResults(results: readonly BenchResult[]): string {
  const rows = results.map((r) => {
    let detail = '';
    if (r.latency !== null) detail = `p50 ${formatNumber(r.latency.p50)} p90 ${formatNumber(r.latency.p90)} p99 ${formatNumber(r.latency.p99)} max ${formatNumber(r.latency.max)} µs`;
    if (r.conns !== null) {
      detail = `${r.conns.count} conns, ${formatNumber(r.conns.connectRate)} conn/s` + (r.conns.bytesPerConn !== null ? `, ${formatNumber(r.conns.bytesPerConn)} B/conn` : '');
    }
    if (r.retained !== null) detail = `${r.retained.count} retained: published in ${r.retained.publishS} s, received in ${r.retained.receiveS} s`;
    const flow = r.conns === null && r.retained === null;
    return [
      r.name,
      r.label,
      `v${r.mqtt === 5 ? '5' : '3.1.1'}`,
      flow ? formatNumber(r.pubRate) : '-',
      flow ? formatNumber(r.delRate) : r.retained !== null ? formatNumber(r.retained.receiveRate) : '-',
      detail,
      `${r.genCpu}/${r.genCores}`,
      r.brokerCpu === null ? '-' : String(r.brokerCpu),
      r.verdict,
    ];
  });
  return formatTable(['scenario', 'broker', 'mqtt', 'pub msg/s', 'recv msg/s', 'detail', 'gen cpu', 'broker cpu', 'verdict'], rows);
}

/** Medians per scenario, metric and broker across rounds. */
export interface CompareRow {
  scenario: string;
  metric: Metric;
  broker: string;
  median: number;
  spread: number;
  /** Median divided by the first broker's median for the same metric. */
  ratio: number;
  /** Rounds that counted (verdict ok) out of those run. */
  counted: number;
  runs: number;
}

/** Groups results into medians per (scenario, metric, broker); results whose verdict is not ok do not count. */
export function summarizeCompare(results: readonly BenchResult[], brokerOrder: readonly string[]): CompareRow[] {
  const groups = new Map<string, { scenario: string; metric: Metric; broker: string; values: number[]; runs: number }>();
  const scenarios: string[] = [];
  for (const r of results) {
    if (!scenarios.includes(r.name)) scenarios.push(r.name);
    for (const m of metricsOf(r)) {
      const key = `${r.name}\u0000${m.key}\u0000${r.label}`;
      const g = groups.get(key) ?? { scenario: r.name, metric: m, broker: r.label, values: [], runs: 0 };
      g.runs++;
      if (r.verdict === 'ok') g.values.push(m.value);
      groups.set(key, g);
    }
  }
  const rows: CompareRow[] = [];
  for (const scenario of scenarios) {
    const metricKeys = [...new Set([...groups.values()].filter((g) => g.scenario === scenario).map((g) => g.metric.key))];
    for (const mk of metricKeys) {
      let base = Number.NaN;
      for (const broker of brokerOrder) {
        const g = groups.get(`${scenario}\u0000${mk}\u0000${broker}`);
        if (g === undefined) continue;
        const med = median(g.values);
        if (Number.isNaN(base)) base = med;
        rows.push({ scenario, metric: g.metric, broker, median: med, spread: spreadPercent(g.values), ratio: med / base, counted: g.values.length, runs: g.runs });
      }
    }
  }
  return rows;
}

/** The medians table of `bench compare`. */
export function formatCompare(rows: readonly CompareRow[]): string {
  return formatTable(
    ['scenario', 'metric', 'broker', 'median', 'unit', '±', 'ratio', 'ok runs'],
    rows.map((r) => [
      r.scenario,
      r.metric.key + (r.metric.higherIsBetter ? ' ↑' : ' ↓'),
      r.broker,
      formatNumber(r.median),
      r.metric.unit,
      `${r.spread.toFixed(1)}%`,
      Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '-',
      `${r.counted}/${r.runs}`,
    ]),
  );
}
