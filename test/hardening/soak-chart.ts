// Draws a soak run as one hand-written SVG: a panel per measured series over time, the warm-up third shaded, and the
// medians the growth criterion compares drawn as dashed lines.
import { escapeXml } from '../../src/bench/svg-chart.js';
import type { GrowthVerdict } from './growth.js';

/** One line of a panel. */
export interface ChartLine {
  readonly label: string;
  readonly values: readonly number[];
  readonly color: string;
}

/** One panel: lines sharing a y axis, and optionally the growth verdict of the first line. */
export interface ChartPanel {
  readonly title: string;
  readonly unit: string;
  readonly lines: readonly ChartLine[];
  readonly verdict?: GrowthVerdict;
}

const WIDTH = 860;
const PANEL_H = 190;
const LEFT = 70;
const RIGHT = 20;
const TOP = 30;
const BOTTOM = 30;

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function panel(p: ChartPanel, times: readonly number[], y0: number): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = PANEL_H - TOP - BOTTOM;
  const tMax = Math.max(1e-9, times[times.length - 1] ?? 1);
  const all = p.lines.flatMap((l) => l.values.filter((v) => Number.isFinite(v)));
  const yMax = niceMax(Math.max(...all, p.verdict?.final ?? 0, p.verdict?.baseline ?? 0));
  const x = (t: number): number => LEFT + (t / tMax) * plotW;
  const y = (v: number): number => TOP + plotH - (Math.max(0, v) / yMax) * plotH;
  const out: string[] = [`<g transform="translate(0,${y0})">`];
  out.push(`<text x="${LEFT}" y="18" class="title">${escapeXml(`${p.title} (${p.unit})`)}</text>`);
  // Warm-up third, not judged.
  const n = times.length;
  const third = Math.floor(n / 3);
  if (third > 0) out.push(`<rect x="${LEFT}" y="${TOP}" width="${(x(times[third]!) - LEFT).toFixed(1)}" height="${plotH}" class="warmup"><title>warm-up (not judged)</title></rect>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    out.push(`<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" class="tick" text-anchor="end">${fmt(v)}</text>`);
  }
  for (let i = 0; i <= 6; i++) {
    const t = (tMax * i) / 6;
    const anchor = i === 0 ? 'start' : i === 6 ? 'end' : 'middle';
    out.push(`<text x="${x(t).toFixed(1)}" y="${TOP + plotH + 16}" class="tick" text-anchor="${anchor}">${fmt(t / 60)} min</text>`);
  }
  p.lines.forEach((l, li) => {
    const pts = l.values.map((v, i) => (Number.isFinite(v) ? `${x(times[i] ?? 0).toFixed(1)},${y(v).toFixed(1)}` : '')).filter((s) => s !== '');
    out.push(`<polyline class="line" data-label="${escapeXml(l.label)}" points="${pts.join(' ')}" stroke="${l.color}"/>`);
    out.push(`<text x="${WIDTH - RIGHT - 150}" y="${18 + li * 0}" dx="${li * 75}" class="legend" fill="${l.color}">${escapeXml(l.label)}</text>`);
  });
  const v = p.verdict;
  if (v !== undefined && third > 0) {
    const mid = (a: number, b: number): string => `x1="${x(times[a]!).toFixed(1)}" x2="${x(times[Math.min(n - 1, b)]!).toFixed(1)}"`;
    out.push(`<line ${mid(third, 2 * third)} y1="${y(v.baseline).toFixed(1)}" y2="${y(v.baseline).toFixed(1)}" class="median"><title>median of the second third: ${fmt(v.baseline)}</title></line>`);
    out.push(`<line ${mid(n - third, n - 1)} y1="${y(v.final).toFixed(1)}" y2="${y(v.final).toFixed(1)}" class="median"><title>median of the last third: ${fmt(v.final)}</title></line>`);
    const verdict = `${v.grew ? 'GREW' : 'flat'}: ${v.growth >= 0 ? '+' : ''}${fmt(v.growth)} (allowed ${fmt(v.allowed)})`;
    out.push(`<text x="${LEFT + 260}" y="18" class="${v.grew ? 'bad' : 'good'}">${escapeXml(verdict)}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

/** The whole chart: `times` in seconds since the start, one value per time in every line. */
export function renderSoakSvg(title: string, times: readonly number[], panels: readonly ChartPanel[]): string {
  const height = 40 + panels.length * PANEL_H;
  const body = panels.map((p, i) => panel(p, times, 40 + i * PANEL_H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">
<style>
.heading { font-size: 16px; font-weight: bold; }
.title { font-size: 13px; font-weight: bold; }
.tick { font-size: 10px; fill: #555; }
.legend { font-size: 11px; }
.grid { stroke: #e5e7eb; }
.warmup { fill: #f3f4f6; }
.line { fill: none; stroke-width: 1.5; }
.median { stroke: #111; stroke-dasharray: 4 3; }
.good { font-size: 12px; fill: #15803d; }
.bad { font-size: 12px; fill: #b91c1c; font-weight: bold; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${LEFT}" y="24" class="heading">${escapeXml(title)}</text>
${body}
</svg>
`;
}
