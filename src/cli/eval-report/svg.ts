/**
 * Inline SVG charts for the HTML report, drawn by our own code: no chart library, no script, nothing fetched, so the
 * file opens offline and shows the same everywhere. Every text that reaches the markup goes through `escapeHtml`
 * (labels come from datasets and outputs, which are not trusted).
 */

/** Escapes text for HTML and SVG, in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const W = 480;
const H = 240;
const PAD = { left: 48, right: 16, top: 16, bottom: 40 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

/** A number for an SVG attribute: finite, two decimals. */
const n = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '0');

function frame(kind: string, label: string, body: string, height = H): string {
  return `<svg class="chart ${kind}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${escapeHtml(label)}">${body}</svg>`;
}

function axes(xLabel: string, yLabel: string): string {
  const x0 = PAD.left;
  const y0 = PAD.top + plotH;
  return [
    `<line class="axis" x1="${x0}" y1="${PAD.top}" x2="${x0}" y2="${y0}"/>`,
    `<line class="axis" x1="${x0}" y1="${y0}" x2="${x0 + plotW}" y2="${y0}"/>`,
    `<text class="axis-label" x="${n(x0 + plotW / 2)}" y="${H - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text class="axis-label" x="12" y="${n(PAD.top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 12 ${n(PAD.top + plotH / 2)})">${escapeHtml(yLabel)}</text>`,
  ].join('');
}

/** Counts of scores in ten bins of width 0.1 (a score of exactly 1 is in the last). */
export function scoreBins(scores: readonly number[], bins = 10): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const s of scores) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** The score distribution: how many cases scored in each tenth of 0..1. */
export function histogramSvg(scores: readonly number[]): string {
  const counts = scoreBins(scores);
  const max = Math.max(1, ...counts);
  const bw = plotW / counts.length;
  const bars = counts
    .map((c, i) => {
      const h = (c / max) * plotH;
      const x = PAD.left + i * bw;
      const y = PAD.top + plotH - h;
      const range = `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`;
      return [
        `<rect class="bar" x="${n(x + 2)}" y="${n(y)}" width="${n(bw - 4)}" height="${n(h)}"><title>${escapeHtml(`${range}: ${c} case${c === 1 ? '' : 's'}`)}</title></rect>`,
        c ? `<text class="value" x="${n(x + bw / 2)}" y="${n(y - 3)}" text-anchor="middle">${c}</text>` : '',
        i % 2 === 0
          ? `<text class="tick" x="${n(x)}" y="${PAD.top + plotH + 14}" text-anchor="middle">${(i / 10).toFixed(1)}</text>`
          : '',
      ].join('');
    })
    .join('');
  const end = `<text class="tick" x="${n(PAD.left + plotW)}" y="${PAD.top + plotH + 14}" text-anchor="middle">1.0</text>`;
  return frame('histogram', 'score distribution', axes('score', 'cases') + bars + end);
}

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
  pass: boolean;
}

/** Cost (x) against score (y), one dot a case; a failing case is drawn hollow. */
export function scatterSvg(points: readonly ScatterPoint[], xLabel = 'cost (USD)'): string {
  // The x axis spans the costs seen (cases of one eval often cost within a few percent of each other; from 0 they
  // would all sit on one spot at the right), or 0..max when they are all the same.
  const xs = points.map((p) => p.x);
  const maxX = Math.max(0, ...xs);
  const lowX = Math.min(maxX, ...xs);
  const minX = lowX < maxX ? Math.max(0, lowX - (maxX - lowX) * 0.05) : 0;
  const span = maxX - minX || 1;
  const dots = points
    .map((p) => {
      const cx = PAD.left + ((p.x - minX) / span) * plotW;
      const cy = PAD.top + plotH - Math.min(1, Math.max(0, p.y)) * plotH;
      return `<circle class="dot ${p.pass ? 'pass' : 'fail'}" cx="${n(cx)}" cy="${n(cy)}" r="5"><title>${escapeHtml(`${p.label}: score ${p.y.toFixed(3)}, $${p.x.toFixed(6)}`)}</title></circle>`;
    })
    .join('');
  const ticks = [
    `<text class="tick" x="${PAD.left}" y="${PAD.top + plotH + 14}" text-anchor="start">${escapeHtml(minX ? `$${minX.toFixed(6)}` : '0')}</text>`,
    `<text class="tick" x="${n(PAD.left + plotW)}" y="${PAD.top + plotH + 14}" text-anchor="end">${escapeHtml(`$${maxX.toFixed(6)}`)}</text>`,
    `<text class="tick" x="${PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">1</text>`,
    `<text class="tick" x="${PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end">0</text>`,
  ].join('');
  return frame('scatter', 'cost against score', axes(xLabel, 'score') + ticks + dots);
}

export interface Bar {
  label: string;
  /** 0..1 for scores; any sign for differences (`diverging`). */
  value: number;
  note: string;
}

const ROW = 22;

/** Horizontal bars, one a row: the mean score per tag (0..1), or per-case differences (-1..1, `diverging`). */
export function barsSvg(kind: string, label: string, bars: readonly Bar[], diverging = false): string {
  const labelW = 160;
  const width = W - labelW - PAD.right - 60;
  const height = Math.max(ROW, bars.length * ROW) + 8;
  const zero = labelW + (diverging ? width / 2 : 0);
  const scale = diverging ? width / 2 : width;
  const rows = bars
    .map((b, i) => {
      const y = 4 + i * ROW;
      const v = Math.max(diverging ? -1 : 0, Math.min(1, b.value));
      const len = Math.abs(v) * scale;
      const x = v < 0 ? zero - len : zero;
      const cls = diverging ? (v < 0 ? 'bar loss' : v > 0 ? 'bar win' : 'bar tie') : 'bar';
      return [
        `<text class="row-label" x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(b.label.length > 24 ? `${b.label.slice(0, 23)}…` : b.label)}</text>`,
        `<rect class="${cls}" x="${n(x)}" y="${y + 3}" width="${n(Math.max(len, 1))}" height="${ROW - 6}"><title>${escapeHtml(`${b.label}: ${b.note}`)}</title></rect>`,
        `<text class="value" x="${n(labelW + width + 6)}" y="${y + 15}">${escapeHtml(b.note)}</text>`,
      ].join('');
    })
    .join('');
  const axis = diverging
    ? `<line class="axis" x1="${n(zero)}" y1="0" x2="${n(zero)}" y2="${height}"/>`
    : `<line class="axis" x1="${labelW}" y1="0" x2="${labelW}" y2="${height}"/>`;
  return frame(kind, label, axis + rows, height);
}

export interface Interval {
  label: string;
  mean: number;
  low: number;
  high: number;
}

/** Means with their confidence intervals, as dots and whiskers on a shared axis from `min` to `max`. */
export function intervalsSvg(intervals: readonly Interval[], min: number, max: number): string {
  const labelW = 160;
  const width = W - labelW - PAD.right - 120;
  const height = intervals.length * ROW + 24;
  const at = (v: number) => labelW + ((Math.min(max, Math.max(min, v)) - min) / (max - min || 1)) * width;
  const rows = intervals
    .map((iv, i) => {
      const y = 4 + i * ROW + ROW / 2;
      return [
        `<text class="row-label" x="${labelW - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(iv.label)}</text>`,
        `<line class="whisker" x1="${n(at(iv.low))}" y1="${y}" x2="${n(at(iv.high))}" y2="${y}"/>`,
        `<circle class="dot mean" cx="${n(at(iv.mean))}" cy="${y}" r="5"><title>${escapeHtml(`${iv.label}: ${iv.mean.toFixed(3)} (95% CI ${iv.low.toFixed(3)}..${iv.high.toFixed(3)})`)}</title></circle>`,
        `<text class="value" x="${n(labelW + width + 8)}" y="${y + 4}">${escapeHtml(`${iv.mean.toFixed(3)} [${iv.low.toFixed(3)}, ${iv.high.toFixed(3)}]`)}</text>`,
      ].join('');
    })
    .join('');
  const base = intervals.length * ROW + 10;
  const ticks = [min, (min + max) / 2, max]
    .map((v) => `<text class="tick" x="${n(at(v))}" y="${base + 12}" text-anchor="middle">${v.toFixed(2)}</text>`)
    .join('');
  const zero = min < 0 && max > 0 ? `<line class="axis" x1="${n(at(0))}" y1="0" x2="${n(at(0))}" y2="${base}"/>` : '';
  return frame('intervals', 'means with 95% confidence intervals', zero + rows + ticks, height);
}
