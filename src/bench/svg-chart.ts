// Hand-made SVG charts of benchmark results: one panel of bars per scenario metric, one for latency percentiles.
import type { BenchResult } from './result.js';
import { formatNumber, median, summarizeCompare } from './report.js';

const PANEL_W = 320;
const PANEL_H = 220;
const COLUMNS = 3;
const COLORS = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#64748b'];

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

interface Bar {
  label: string;
  value: number;
  color: string;
  broker: string;
}

interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
}

function drawPanel(p: Panel, x: number, y: number): string {
  const top = 40;
  const bottom = 40;
  const plotH = PANEL_H - top - bottom;
  const max = Math.max(1e-9, ...p.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const slot = (PANEL_W - 40) / Math.max(1, p.bars.length);
  const bw = Math.min(48, slot * 0.7);
  const out: string[] = [`<g transform="translate(${x},${y})">`];
  out.push(`<text x="${PANEL_W / 2}" y="18" class="title">${escapeXml(p.title)}</text>`);
  out.push(`<text x="${PANEL_W / 2}" y="32" class="unit">${escapeXml(p.unit)}</text>`);
  out.push(`<line x1="20" y1="${top + plotH}" x2="${PANEL_W - 20}" y2="${top + plotH}" class="axis"/>`);
  p.bars.forEach((b, i) => {
    const v = Number.isFinite(b.value) ? b.value : 0;
    const h = (v / max) * plotH;
    const bx = 20 + slot * i + (slot - bw) / 2;
    const by = top + plotH - h;
    out.push(
      `<rect class="bar" data-broker="${escapeXml(b.broker)}" data-value="${v}" x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}" fill="${b.color}"><title>${escapeXml(`${b.label}: ${formatNumber(b.value)} ${p.unit}`)}</title></rect>`,
    );
    out.push(`<text x="${(bx + bw / 2).toFixed(1)}" y="${(by - 4).toFixed(1)}" class="value">${escapeXml(formatNumber(b.value))}</text>`);
    out.push(`<text x="${(bx + bw / 2).toFixed(1)}" y="${top + plotH + 16}" class="label">${escapeXml(b.label)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** Renders results (one or several brokers, any rounds) as a standalone SVG document; medians over rounds. */
export function renderSvg(results: readonly BenchResult[], brokerOrder: readonly string[], title = 'swiftlet bench'): string {
  const color = (broker: string): string => COLORS[Math.max(0, brokerOrder.indexOf(broker)) % COLORS.length]!;
  const panels: Panel[] = [];
  // latency runs get their own percentile panel below
  const latencyNames = new Set(results.filter((r) => r.scenario === 'latency').map((r) => r.name));
  const rows = summarizeCompare(results, brokerOrder).filter((r) => !latencyNames.has(r.scenario));
  const keys = [...new Set(rows.map((r) => `${r.scenario}\u0000${r.metric.key}`))];
  for (const k of keys) {
    const group = rows.filter((r) => `${r.scenario}\u0000${r.metric.key}` === k);
    const first = group[0]!;
    panels.push({
      title: `${first.scenario} — ${first.metric.key}`,
      unit: `${first.metric.unit} (${first.metric.higherIsBetter ? 'higher' : 'lower'} is better)`,
      bars: group.map((r) => ({ label: r.broker, value: r.median, color: color(r.broker), broker: r.broker })),
    });
  }
  // latency percentiles: p50/p90/p99 per broker, medians over the rounds with an ok verdict
  const lat = results.filter((r) => r.latency !== null && r.scenario === 'latency' && r.verdict === 'ok');
  for (const name of [...new Set(lat.map((r) => r.name))]) {
    const bars: Bar[] = [];
    for (const broker of brokerOrder) {
      const mine = lat.filter((r) => r.name === name && r.label === broker);
      if (mine.length === 0) continue;
      for (const p of ['p50', 'p90', 'p99'] as const) {
        bars.push({ label: `${broker} ${p}`, value: median(mine.map((r) => r.latency![p])), color: color(broker), broker });
      }
    }
    panels.push({ title: `${name} — latency percentiles`, unit: 'µs (lower is better)', bars });
  }
  const cols = Math.min(COLUMNS, Math.max(1, panels.length));
  const width = cols * PANEL_W;
  const height = 60 + Math.ceil(panels.length / cols) * PANEL_H + 30;
  const legend = brokerOrder
    .map((b, i) => `<rect x="${20 + i * 140}" y="${height - 22}" width="12" height="12" fill="${color(b)}"/><text x="${36 + i * 140}" y="${height - 12}" class="legend">${escapeXml(b)}</text>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    '<style>.title{font-size:13px;font-weight:bold;text-anchor:middle}.unit{font-size:10px;fill:#555;text-anchor:middle}' +
      '.value{font-size:10px;text-anchor:middle}.label{font-size:10px;text-anchor:middle}.axis{stroke:#999}.legend{font-size:12px}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="30" class="title" style="font-size:16px">${escapeXml(title)}</text>`,
    ...panels.map((p, i) => drawPanel(p, (i % cols) * PANEL_W, 50 + Math.floor(i / cols) * PANEL_H)),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
