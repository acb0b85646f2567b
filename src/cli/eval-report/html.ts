/**
 * The HTML report: ONE self-contained file (inline CSS, inline SVG charts from ./svg.ts, no script, nothing loaded
 * from a network), so it can be attached to a CI run or mailed and opens anywhere. Every string that comes from a
 * dataset, an output, a scorer's reason or an error is escaped: an answer containing `<script>` shows as text.
 */
import type { EvalCaseResult } from '../../contracts/evals/contract';
import type { CaseComparison, Comparison } from './compare';
import type { CompareReport, EvalReport } from './report';
import { dollars, duration, score } from './report';
import { barsSvg, escapeHtml as e, histogramSvg, intervalsSvg, scatterSvg } from './svg';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#5b6475;margin:0 0 16px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid #d9dee8;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}.charts{display:flex;flex-wrap:wrap;gap:24px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #e3e7ef;padding:4px 8px;
text-align:left;vertical-align:top}table.by-scorer,table.by-tag,table.sides{width:auto;min-width:40%}th{background:#f4f6fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#19733a}.fail{color:#b3261e}pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;max-width:60em}
details summary{cursor:pointer}ul.scores{margin:0;padding-left:16px}
svg .axis{stroke:#8a93a6}svg .bar{fill:#4f7cd6}svg .bar.win{fill:#2f9e5a}svg .bar.loss{fill:#c9453c}
svg .bar.tie{fill:#9aa3b5}svg .dot.pass,svg .dot.mean{fill:#4f7cd6}svg .dot.fail{fill:#fff;stroke:#c9453c;stroke-width:2}
svg .whisker{stroke:#1d2330;stroke-width:2}svg text{font-size:11px;fill:#3a4252}svg .axis-label{font-size:12px}
.verdict{font-weight:600;padding:8px 12px;border-radius:6px;display:inline-block}
.verdict.ok{background:#e5f4ea;color:#19733a}.verdict.bad{background:#fbe7e5;color:#b3261e}
`;

function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    body,
    '</body></html>',
    '',
  ].join('\n');
}

const card = (label: string, value: string): string => `<div class="card">${e(label)}<b>${e(value)}</b></div>`;
const figure = (caption: string, svg: string): string =>
  `<figure><figcaption>${e(caption)}</figcaption>${svg}</figure>`;

/** Long text folded: its first words as the summary, the whole text when opened. */
function folded(text: string, head = 80): string {
  if (!text) return '';
  if (text.length <= head) return `<pre>${e(text)}</pre>`;
  return `<details><summary>${e(`${text.slice(0, head)}…`)}</summary><pre>${e(text)}</pre></details>`;
}

const inputText = (input: unknown): string => (typeof input === 'string' ? input : JSON.stringify(input, null, 2));

function caseRow(r: EvalCaseResult, input: unknown): string {
  const scores = r.scores
    .map(
      (s) =>
        `<li class="${s.pass ? 'pass' : 'fail'}">${e(`${s.scorer}: ${score(s.score)} ${s.pass ? 'pass' : 'fail'}`)}${s.reason ? ` — ${e(s.reason)}` : ''}</li>`,
    )
    .join('');
  return [
    '<tr>',
    `<td>${e(r.id)}<br><small>${e(r.workflowId)}</small></td>`,
    `<td>${e(r.tags.join(', '))}</td>`,
    `<td>${e(r.status)}</td>`,
    `<td class="num">${e(score(r.score))}</td>`,
    `<td class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'pass' : 'fail'}</td>`,
    `<td class="num">${e(dollars(r.costUsd))}</td>`,
    `<td class="num">${r.steps}</td>`,
    `<td class="num">${e(duration(r.latencyMs))}</td>`,
    `<td>${folded(inputText(input))}</td>`,
    `<td>${folded(r.output)}${r.error ? `<div class="fail">${e(r.error)}</div>` : ''}</td>`,
    `<td><ul class="scores">${scores}</ul></td>`,
    '</tr>',
  ].join('');
}

function casesTable(report: EvalReport): string {
  const inputs = new Map(report.input.cases.map((c) => [c.id, c.input]));
  const head = ['case', 'tags', 'status', 'score', 'pass', 'cost', 'steps', 'latency', 'input', 'output', 'scores'];
  return `<table class="cases"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${report.result.results
    .map((r) => caseRow(r, inputs.get(r.id)))
    .join('')}</tbody></table>`;
}

function summaryTables(report: EvalReport): string {
  const s = report.result.summary;
  const scorers = Object.entries(s.byScorer)
    .map(([name, mean]) => `<tr><td>${e(name)}</td><td class="num">${e(score(mean))}</td></tr>`)
    .join('');
  const tags = Object.entries(s.byTag)
    .map(
      ([name, t]) =>
        `<tr><td>${e(name)}</td><td class="num">${t.cases}</td><td class="num">${e(score(t.meanScore))}</td><td class="num">${t.passed}</td></tr>`,
    )
    .join('');
  return [
    '<h2>By scorer</h2>',
    `<table class="by-scorer"><thead><tr><th>scorer</th><th>mean</th></tr></thead><tbody>${scorers}</tbody></table>`,
    ...(tags
      ? [
          '<h2>By tag</h2>',
          `<table class="by-tag"><thead><tr><th>tag</th><th>cases</th><th>mean</th><th>passed</th></tr></thead><tbody>${tags}</tbody></table>`,
        ]
      : []),
  ].join('\n');
}

/** The charts of one eval: score distribution, cost against score, and the mean score by tag. */
function evalCharts(report: EvalReport): string {
  const rows = report.result.results;
  const tags = Object.entries(report.result.summary.byTag).map(([label, t]) => ({
    label,
    value: t.meanScore,
    note: `${score(t.meanScore)} (${t.passed}/${t.cases})`,
  }));
  return [
    '<div class="charts">',
    figure('Score distribution', histogramSvg(rows.map((r) => r.score))),
    figure(
      'Cost against score',
      scatterSvg(rows.map((r) => ({ x: r.costUsd, y: r.score, label: r.id, pass: r.pass }))),
    ),
    figure('Mean score by tag', barsSvg('tags', 'mean score by tag', tags)),
    '</div>',
  ].join('\n');
}

/** The HTML report of one eval. */
export function evalHtml(report: EvalReport): string {
  const { result } = report;
  const s = result.summary;
  const target = `${result.target.kind} ${result.target.name}${result.target.model ? ` (${result.target.model})` : ''}`;
  const meta = [
    `workflow ${report.workflowId}`,
    target,
    ...(report.dataset ? [`dataset ${report.dataset}`] : []),
    ...(report.variant ? [`variant ${report.variant}`] : []),
    `generated ${report.generatedAt}`,
  ].join(' · ');
  const body = [
    `<h1>Eval ${e(result.name)}</h1>`,
    `<p class="meta">${e(meta)}</p>`,
    '<div class="cards">',
    card('mean score', score(s.meanScore)),
    card('passed', `${s.passed}/${s.cases}`),
    card('failed runs', String(s.failed)),
    card('cost', dollars(s.costUsd)),
    card('judge cost', dollars(s.judgeCostUsd)),
    card('mean latency', duration(s.meanLatencyMs)),
    '</div>',
    evalCharts(report),
    summaryTables(report),
    '<h2>Cases</h2>',
    casesTable(report),
  ].join('\n');
  return page(`Eval ${result.name}`, body);
}

function comparisonRow(c: CaseComparison): string {
  return [
    '<tr>',
    `<td>${e(c.id)}</td>`,
    `<td>${e(c.tags.join(', '))}</td>`,
    `<td class="num">${e(score(c.baseline))}</td>`,
    `<td class="num">${e(score(c.variant))}</td>`,
    `<td class="num ${c.diff < 0 ? 'fail' : c.diff > 0 ? 'pass' : ''}">${e(`${c.diff > 0 ? '+' : ''}${c.diff.toFixed(3)}`)}</td>`,
    `<td>${e(c.outcome)}</td>`,
    `<td class="num">${e(dollars(c.baselineCostUsd))}</td>`,
    `<td class="num">${e(dollars(c.variantCostUsd))}</td>`,
    `<td class="num">${e(duration(c.baselineLatencyMs))}</td>`,
    `<td class="num">${e(duration(c.variantLatencyMs))}</td>`,
    '</tr>',
  ].join('');
}

function comparisonBody(c: Comparison): string {
  const sides = [c.baseline, c.variant]
    .map(
      (s) =>
        `<tr><td>${e(s.name)}</td><td class="num">${e(score(s.score.mean))}</td><td>${e(`${score(s.score.low)}..${score(s.score.high)}`)}</td><td class="num">${s.passed}/${c.cases.length}</td><td class="num">${e(dollars(s.costUsd))}</td><td class="num">${e(dollars(s.judgeCostUsd))}</td><td class="num">${e(duration(s.meanLatencyMs))}</td></tr>`,
    )
    .join('');
  const head = [
    'case',
    'tags',
    c.baseline.name,
    c.variant.name,
    'diff',
    'outcome',
    'cost A',
    'cost B',
    'latency A',
    'latency B',
  ];
  const diffs = [...c.cases]
    .sort((a, b) => a.diff - b.diff)
    .map((r) => ({ label: r.id, value: r.diff, note: `${r.diff > 0 ? '+' : ''}${r.diff.toFixed(3)}` }));
  return [
    `<p class="verdict ${c.regressed ? 'bad' : 'ok'}">${e(c.verdict)}</p>`,
    '<div class="cards">',
    card('wins', String(c.wins)),
    card('losses', String(c.losses)),
    card('ties', String(c.ties)),
    card('difference', `${c.difference.mean > 0 ? '+' : ''}${c.difference.mean.toFixed(3)}`),
    '</div>',
    '<div class="charts">',
    figure(
      'Mean score with 95% bootstrap interval',
      intervalsSvg(
        [
          { label: c.baseline.name, ...c.baseline.score },
          { label: c.variant.name, ...c.variant.score },
        ],
        0,
        1,
      ),
    ),
    figure('Difference (paired bootstrap)', intervalsSvg([{ label: 'variant − baseline', ...c.difference }], -1, 1)),
    figure('Per-case difference', barsSvg('diffs', 'per-case score difference', diffs, true)),
    '</div>',
    '<h2>Side by side</h2>',
    `<table class="sides"><thead><tr><th>side</th><th>mean</th><th>95% CI</th><th>passed</th><th>cost</th><th>judge cost</th><th>mean latency</th></tr></thead><tbody>${sides}</tbody></table>`,
    `<p class="meta">${e(`${c.resamples} resamples, seed ${c.seed}; gate: the variant's mean more than ${c.maxRegression} below the baseline's`)}</p>`,
    ...(c.onlyInBaseline.length || c.onlyInVariant.length
      ? [`<p class="meta">${e(`not compared: ${[...c.onlyInBaseline, ...c.onlyInVariant].join(', ')}`)}</p>`]
      : []),
    '<h2>Cases</h2>',
    `<table class="comparison"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${c.cases.map(comparisonRow).join('')}</tbody></table>`,
  ].join('\n');
}

/** The HTML report of a comparison: the verdict, both means with intervals, the per-case differences. */
export function compareHtml(report: CompareReport): string {
  const c = report.comparison;
  const meta = [
    `baseline ${report.baseline.workflowId}`,
    `variant ${report.variant.workflowId}`,
    ...(report.baseline.dataset ? [`dataset ${report.baseline.dataset}`] : []),
    `generated ${report.generatedAt}`,
  ].join(' · ');
  const body = [
    `<h1>${e(`Compare ${c.variant.name} with ${c.baseline.name}: ${report.baseline.result.name}`)}</h1>`,
    `<p class="meta">${e(meta)}</p>`,
    comparisonBody(c),
  ].join('\n');
  return page(`Compare ${report.baseline.result.name}`, body);
}
