/**
 * Spend per day as a chart.js stacked bar chart, one data set per agent and model. The canvas is decorative for
 * assistive technology (aria-hidden); the table beside it on the page carries the same numbers.
 */
import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import type { CostRow } from '../api';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

// Colour-blind-safe palette (Okabe–Ito), cycled when there are more series.
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export function CostChart({ days, rows }: { days: string[]; rows: CostRow[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const series = [...new Set(rows.map((r) => `${r.agent} · ${r.model}`))].sort();
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: days,
        datasets: series.map((name, i) => ({
          label: name,
          backgroundColor: COLOURS[i % COLOURS.length] ?? '#0072B2',
          data: days.map((day) =>
            rows.filter((r) => r.day === day && `${r.agent} · ${r.model}` === name).reduce((s, r) => s + r.costUsd, 0),
          ),
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'USD' } } },
      },
    });
    return () => chart.destroy();
  }, [days, rows]);
  return (
    <div className="chart">
      <canvas ref={canvas} aria-hidden="true" />
    </div>
  );
}
