/**
 * The terminal report of an eval (one row per case, then the summary by scorer and by tag) and of a comparison
 * (per-case differences, then each side's mean with its interval, cost and latency side by side). Pure: strings in,
 * strings out, so commands choose where they go and tests read them.
 */
import type { EvalResult } from '../../contracts/evals/contract';
import { table } from '../output';
import type { Comparison } from './compare';
import { dollars, duration, score } from './report';

/** The per-case table and the summary of one eval. */
export function evalTable(result: EvalResult, width = 160): string {
  const cases = table(
    result.results,
    [
      { header: 'CASE', value: (r) => r.id, flex: true },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'SCORE', value: (r) => score(r.score), align: 'right' },
      { header: 'PASS', value: (r) => (r.pass ? 'pass' : 'FAIL') },
      { header: 'COST', value: (r) => dollars(r.costUsd), align: 'right' },
      { header: 'STEPS', value: (r) => String(r.steps), align: 'right' },
      { header: 'LATENCY', value: (r) => duration(r.latencyMs), align: 'right' },
      { header: 'ERROR', value: (r) => r.error ?? '', flex: true },
    ],
    width,
  );
  const s = result.summary;
  const totals = [
    `${result.name}: ${result.target.kind} ${result.target.name}${result.target.model ? ` (${result.target.model})` : ''}`,
    `mean score ${score(s.meanScore)}, ${s.passed}/${s.cases} passed, ${s.failed} failed runs, cost ${dollars(s.costUsd)} (+ judge ${dollars(s.judgeCostUsd)}), mean latency ${duration(s.meanLatencyMs)}`,
  ].join('\n');
  const byScorer = table(
    Object.entries(s.byScorer),
    [
      { header: 'SCORER', value: ([name]) => name, flex: true },
      { header: 'MEAN', value: ([, mean]) => score(mean), align: 'right' },
    ],
    width,
  );
  const tags = Object.entries(s.byTag);
  const byTag = tags.length
    ? table(
        tags,
        [
          { header: 'TAG', value: ([name]) => name, flex: true },
          { header: 'CASES', value: ([, t]) => String(t.cases), align: 'right' },
          { header: 'MEAN', value: ([, t]) => score(t.meanScore), align: 'right' },
          { header: 'PASSED', value: ([, t]) => String(t.passed), align: 'right' },
        ],
        width,
      )
    : '';
  return [cases, '', totals, '', byScorer, ...(byTag ? ['', byTag] : [])].join('\n');
}

const signed = (x: number): string => `${x > 0 ? '+' : ''}${x.toFixed(3)}`;

/** The comparison: per-case differences, the two sides and the difference with intervals, and the verdict. */
export function comparisonTable(c: Comparison, width = 160): string {
  const cases = table(
    c.cases,
    [
      { header: 'CASE', value: (r) => r.id, flex: true },
      { header: c.baseline.name.toUpperCase(), value: (r) => score(r.baseline), align: 'right' },
      { header: c.variant.name.toUpperCase(), value: (r) => score(r.variant), align: 'right' },
      { header: 'DIFF', value: (r) => signed(r.diff), align: 'right' },
      { header: 'OUTCOME', value: (r) => r.outcome },
      { header: 'COST A', value: (r) => dollars(r.baselineCostUsd), align: 'right' },
      { header: 'COST B', value: (r) => dollars(r.variantCostUsd), align: 'right' },
      { header: 'LATENCY A', value: (r) => duration(r.baselineLatencyMs), align: 'right' },
      { header: 'LATENCY B', value: (r) => duration(r.variantLatencyMs), align: 'right' },
    ],
    width,
  );
  const sides = table(
    [c.baseline, c.variant],
    [
      { header: 'SIDE', value: (s) => s.name, flex: true },
      { header: 'MEAN', value: (s) => score(s.score.mean), align: 'right' },
      { header: '95% CI', value: (s) => `${score(s.score.low)}..${score(s.score.high)}` },
      { header: 'PASSED', value: (s) => `${s.passed}/${c.cases.length}`, align: 'right' },
      { header: 'COST', value: (s) => dollars(s.costUsd), align: 'right' },
      { header: 'JUDGE', value: (s) => dollars(s.judgeCostUsd), align: 'right' },
      { header: 'LATENCY', value: (s) => duration(s.meanLatencyMs), align: 'right' },
    ],
    width,
  );
  const lines = [
    cases,
    '',
    sides,
    '',
    `wins ${c.wins}, losses ${c.losses}, ties ${c.ties}; difference ${signed(c.difference.mean)} (paired 95% CI ${signed(c.difference.low)}..${signed(c.difference.high)}; ${c.resamples} resamples, seed ${c.seed})`,
  ];
  if (c.onlyInBaseline.length || c.onlyInVariant.length)
    lines.push(
      `not compared: ${[...c.onlyInBaseline.map((id) => `${id} (baseline only)`), ...c.onlyInVariant.map((id) => `${id} (variant only)`)].join(', ')}`,
    );
  lines.push(c.verdict);
  return lines.join('\n');
}
