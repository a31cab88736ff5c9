// A live line chart (uPlot) for a few minutes of history; the latest values are also given as text.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { AlignedData, Options } from 'uplot';
import { formatNumber } from '../format.js';

export interface ChartSeries {
  label: string;
  color: string;
  values: number[];
}

interface Props {
  title: string;
  time: number[];
  series: ChartSeries[];
  unit?: string;
}

const HEIGHT = 160;

export function Chart({ title, time, series, unit = '' }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: AlignedData = [time, ...series.map((s) => s.values)];

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const options: Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: '#4a5160', grid: { stroke: '#e3e6ea' }, ticks: { stroke: '#e3e6ea' } },
        { stroke: '#4a5160', grid: { stroke: '#e3e6ea' }, ticks: { stroke: '#e3e6ea' }, size: 50 },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } }))],
    };
    const u = new uPlot(options, data, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The chart is created once; data updates go through setData below.
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const latest = series.map((s) => `${s.label} ${formatNumber(s.values.at(-1) ?? 0)}${unit}`).join(', ');
  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="chart-legend">
          {series.map((s) => (
            <span key={s.label} class="legend-item">
              <span class="swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label} <strong>{formatNumber(s.values.at(-1) ?? 0)}</strong>
              {unit}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={box} class="chart-plot" role="img" aria-label={`${title}, last five minutes. Now: ${latest}`} />
    </figure>
  );
}
