/**
 * The eval reports, pure: the terminal table, the JSON report's shape, and the HTML file, which must be one
 * self-contained page (no script, nothing from a network, the three charts inline) with every dataset and output
 * string escaped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalInputSchema, summarize, type EvalCaseResult, type EvalResult } from '../../src/contracts/evals/contract';
import { compareEvals } from '../../src/cli/eval-report/compare';
import { compareHtml, evalHtml } from '../../src/cli/eval-report/html';
import {
  COMPARE_REPORT_FORMAT,
  EVAL_REPORT_FORMAT,
  duration,
  reportFileName,
  type EvalReport,
} from '../../src/cli/eval-report/report';
import { escapeHtml, scoreBins } from '../../src/cli/eval-report/svg';
import { comparisonTable, evalTable } from '../../src/cli/eval-report/terminal';
import { EvalProgressView } from '../../src/cli/eval-progress';
import type { EvalState } from '../../src/contracts/evals/contract';

const EVIL = '<script>alert("x")</script><img src="https://evil.example/x.png" onerror=alert(1)>';

function row(id: string, score: number, extra: Partial<EvalCaseResult> = {}): EvalCaseResult {
  return {
    id,
    tags: ['geo'],
    workflowId: `eval-1--${id}`,
    status: 'completed',
    output: `answer of ${id}`,
    scores: [{ scorer: 'contains', type: 'contains', score, pass: score >= 0.5, reason: 'found it' }],
    score,
    pass: score >= 0.5,
    costUsd: 0.0001 * (1 + score),
    judgeCostUsd: 0,
    tokens: 40,
    steps: 1,
    toolCalls: 0,
    latencyMs: 1200,
    ...extra,
  };
}

function report(results: EvalCaseResult[]): EvalReport {
  const result: EvalResult = {
    name: 'capitals',
    target: { kind: 'agent', name: 'geo', model: 'mock:geo' },
    results,
    summary: summarize(results),
  };
  const input = evalInputSchema.parse({
    name: 'capitals',
    target: { kind: 'agent', agent: { instructions: 'answer', model: 'mock:geo' } },
    cases: results.map((r) => ({ id: r.id, input: r.id === 'evil' ? EVIL : `question ${r.id}`, tags: r.tags })),
    scorers: [{ type: 'contains' }],
  });
  return {
    format: EVAL_REPORT_FORMAT,
    workflowId: 'eval-1',
    generatedAt: '2026-01-01T00:00:00.000Z',
    dataset: 'capitals.jsonl',
    input,
    result,
  };
}

const rows = [
  row('fr', 1),
  row('de', 1, { tags: ['geo', 'europe'] }),
  row('xx', 0, { status: 'failed', error: 'model said no', pass: false }),
  row('evil', 0.5, {
    output: EVIL,
    tags: [EVIL],
    error: EVIL,
    scores: [{ scorer: EVIL, type: 'contains', score: 0.5, pass: true, reason: EVIL }],
  }),
];

describe('terminal report', () => {
  it('has one row per case with status, score, pass, cost, steps and latency, then the summaries', () => {
    const text = evalTable(report(rows).result);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^CASE\s+STATUS\s+SCORE\s+PASS\s+COST\s+STEPS\s+LATENCY\s+ERROR$/);
    assert.match(text, /^fr\s+completed\s+1\.000\s+pass\s+\$0\.000200\s+1\s+1\.2s/m);
    assert.match(text, /^xx\s+failed\s+0\.000\s+FAIL\s+\$0\.000100\s+1\s+1\.2s\s+model said no$/m);
    assert.match(text, /mean score 0\.625, 3\/4 passed, 1 failed runs/);
    assert.match(text, /^SCORER\s+MEAN$/m);
    assert.match(text, /^TAG\s+CASES\s+MEAN\s+PASSED$/m);
    assert.match(text, /^europe\s+1\s+1\.000\s+1$/m);
  });

  it('formats durations', () => {
    assert.equal(duration(850), '850ms');
    assert.equal(duration(1234), '1.2s');
    assert.equal(duration(184_000), '3m04s');
  });

  it('shows a comparison with both sides and the verdict', () => {
    const a = report(rows).result;
    const b = report(rows.map((r) => ({ ...r, score: 0, pass: false }))).result;
    const text = comparisonTable(compareEvals(a, b, { variantName: 'cheap' }));
    assert.match(text, /^CASE\s+BASELINE\s+CHEAP\s+DIFF\s+OUTCOME/m);
    assert.match(text, /^fr\s+1\.000\s+0\.000\s+-1\.000\s+loss/m);
    assert.match(text, /wins 0, losses 3, ties 1/);
    assert.match(text.split('\n').at(-1)!, /^regression: cheap 0\.000 vs baseline 0\.625/);
  });
});

describe('JSON report', () => {
  it('round-trips and names its file by the workflow id', () => {
    const r = report(rows);
    const parsed = JSON.parse(JSON.stringify(r)) as EvalReport;
    assert.equal(parsed.format, 'durable-agents/eval-report@1');
    assert.equal(parsed.result.results.length, 4);
    assert.equal(parsed.input.cases.length, 4);
    assert.equal(reportFileName('eval', 'eval-caps-1a2b', 'json'), 'eval-eval-caps-1a2b.json');
    assert.equal(reportFileName('compare', 'a/b c', 'html'), 'compare-a_b_c.html');
  });
});

/** The page's markup without its text: escaped text has no `<`, so what is left is every real tag. */
const tagsOf = (html: string): string[] => html.match(/<[a-zA-Z!/][^>]*>/g) ?? [];
/** Every src= and href= value of a real tag. */
const links = (html: string): string[] =>
  tagsOf(html).flatMap((tag) => [...tag.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]!));

describe('HTML report', () => {
  const html = evalHtml(report(rows));

  it('is one page with inline CSS and the three inline SVG charts, and no script or network address', () => {
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<style>[^<]+<\/style>/);
    assert.match(html, /<svg class="chart histogram"/);
    assert.match(html, /<svg class="chart scatter"/);
    assert.match(html, /<svg class="chart tags"/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<link\b/i);
    assert.deepEqual(links(html), []);
    assert.ok(!tagsOf(html).some((t) => /https?:/.test(t)), 'not even an xmlns: an inline SVG in HTML needs none');
    assert.doesNotMatch(html, /url\(/, 'no CSS that loads anything');
  });

  it('escapes every string from cases and outputs', () => {
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<img/);
    assert.ok(!tagsOf(html).some((t) => /onerror/i.test(t)), 'no attribute came from a case');
    assert.ok(html.includes('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;'), 'the text is shown escaped');
    // The dataset's input (from the eval input), the output, the error, the tag and the scorer's name and reason.
    assert.ok((html.match(/&#60;script&#62;/g) ?? []).length >= 6);
  });

  it('shows each case with its row', () => {
    for (const id of ['fr', 'de', 'xx']) assert.ok(html.includes(`<td>${id}<br>`), id);
    assert.ok(html.includes('model said no'));
  });

  it('bins scores into tenths, 1 in the last bin', () => {
    assert.deepEqual(scoreBins([0, 0.05, 0.1, 0.55, 0.99, 1]), [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    assert.equal(escapeHtml(`a&b<c>"d"'e'`), 'a&#38;b&#60;c&#62;&#34;d&#34;&#39;e&#39;');
  });

  it('the comparison page is self-contained and escaped too', () => {
    const base = report(rows);
    const variant = { ...report(rows.map((r) => ({ ...r, score: 1 - r.score }))), workflowId: 'eval-2' };
    const page = compareHtml({
      format: COMPARE_REPORT_FORMAT,
      generatedAt: '2026-01-01T00:00:00.000Z',
      baseline: base,
      variant,
      comparison: compareEvals(base.result, variant.result, { variantName: EVIL }),
    });
    assert.match(page, /<svg class="chart intervals"/);
    assert.match(page, /<svg class="chart diffs"/);
    assert.doesNotMatch(page, /<script|<img/i);
    assert.ok(!tagsOf(page).some((t) => /https?:|onerror/i.test(t)));
    assert.deepEqual(links(page), []);
    assert.ok(page.includes('&#60;script&#62;'));
  });
});

describe('eval progress', () => {
  const state = (done: number, recent: EvalState['recent'], running: string[]): EvalState => ({
    workflowType: 'evalWorkflow',
    name: 'caps',
    status: 'running',
    total: 3,
    done,
    running,
    maxRunning: 2,
    passed: recent.filter((r) => r.pass).length,
    costUsd: 0.0001 * done,
    judgeCostUsd: 0,
    meanScore: done ? 0.5 : 0,
    recent,
  });
  const finished = (id: string, pass: boolean) => ({
    id,
    workflowId: `e--${id}`,
    status: 'completed',
    score: pass ? 1 : 0,
    pass,
    costUsd: 0.0001,
  });

  it('prints each finished case once and the progress line when it changes', () => {
    const view = new EvalProgressView('variant');
    assert.deepEqual(view.update(state(0, [], ['a', 'b'])), [
      '[variant] eval caps: 3 cases',
      '[variant] 0/3 done · 0 passed · mean 0.000 · $0.000000 · running: a, b',
    ]);
    assert.deepEqual(view.update(state(0, [], ['a', 'b'])), [], 'nothing new');
    assert.deepEqual(view.update(state(1, [finished('a', true)], ['b', 'c'])), [
      '[variant] pass a · score 1.000 · completed · $0.000100',
      '[variant] 1/3 done · 1 passed · mean 0.500 · $0.000100 · running: b, c',
    ]);
    assert.deepEqual(view.update(state(2, [finished('a', true), finished('b', false)], ['c'])), [
      '[variant] FAIL b · score 0.000 · completed · $0.000100',
      '[variant] 2/3 done · 1 passed · mean 0.500 · $0.000200 · running: c',
    ]);
  });
});
