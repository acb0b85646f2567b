/**
 * The comparison of two evals, pure: the seeded bootstrap (the same seed gives the same interval, intervals are
 * right on data whose bootstrap distribution is known), wins/losses/ties by case id, and the regression gate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize, type EvalCaseResult, type EvalResult } from '../../src/contracts/evals/contract';
import { bootstrapMean, mulberry32, quantile } from '../../src/cli/eval-report/bootstrap';
import { compareEvals } from '../../src/cli/eval-report/compare';

function evalOf(scores: Record<string, number>, costUsd = 0.001, latencyMs = 1000): EvalResult {
  const results: EvalCaseResult[] = Object.entries(scores).map(([id, score]) => ({
    id,
    tags: [],
    workflowId: `e--${id}`,
    status: 'completed',
    output: '',
    scores: [],
    score,
    pass: score >= 0.5,
    costUsd,
    judgeCostUsd: 0,
    tokens: 0,
    steps: 1,
    toolCalls: 0,
    latencyMs,
  }));
  return { name: 'e', target: { kind: 'agent', name: 'a' }, results, summary: summarize(results) };
}

describe('mulberry32 and quantiles', () => {
  it('gives the same sequence for a seed, another for another seed, all in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(
      xs,
      Array.from({ length: 1000 }, () => b()),
    );
    assert.notDeepEqual(
      xs.slice(0, 5),
      Array.from({ length: 5 }, () => c()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `uniform: mean ${mean}`);
  });

  it('interpolates quantiles linearly', () => {
    assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([0, 10], 0.25), 2.5);
    assert.equal(quantile([7], 0.975), 7);
  });
});

describe('bootstrapMean', () => {
  it('is deterministic for a seed', () => {
    const data = [0.1, 0.9, 0.4, 0.4, 1, 0, 0.75];
    assert.deepEqual(bootstrapMean(data, { seed: 7 }), bootstrapMean(data, { seed: 7 }));
    assert.notDeepEqual(bootstrapMean(data, { seed: 7 }), bootstrapMean(data, { seed: 8 }));
  });

  it('a constant sample has a zero-width interval', () => {
    assert.deepEqual(bootstrapMean([0.75, 0.75, 0.75], { seed: 1 }), { mean: 0.75, low: 0.75, high: 0.75 });
  });

  it('matches the known bootstrap distribution of two points: means 0, 0.5, 1 with odds 1:2:1', () => {
    // 2.5 % of 2000 resamples is 50 resamples: far fewer than the ~500 that draw both 0s (and both 1s).
    const ci = bootstrapMean([0, 1], { seed: 3 });
    assert.deepEqual(ci, { mean: 0.5, low: 0, high: 1 });
  });

  it('agrees with the normal approximation on a large 0/1 sample', () => {
    // 100 cases, half passing: the standard error is 0.05, so the 95 % interval is about 0.5 ± 0.098.
    const data = Array.from({ length: 100 }, (_, i) => i % 2);
    const ci = bootstrapMean(data, { seed: 11 });
    assert.equal(ci.mean, 0.5);
    assert.ok(ci.low > 0.38 && ci.low < 0.42, `low ${ci.low}`);
    assert.ok(ci.high > 0.58 && ci.high < 0.62, `high ${ci.high}`);
  });

  it('uses the number of resamples given', () => {
    // With one resample both ends are that resample's mean.
    const one = bootstrapMean([0, 1, 0.5], { seed: 1, resamples: 1 });
    assert.equal(one.low, one.high);
  });
});

describe('compareEvals', () => {
  it('counts wins, losses and ties by case id and leaves unmatched cases out', () => {
    const c = compareEvals(evalOf({ a: 1, b: 0.5, c: 0, d: 1 }), evalOf({ a: 1, b: 1, c: 0.5, e: 1 }, 0.002, 500));
    assert.deepEqual(
      c.cases.map((x) => [x.id, x.outcome, x.diff]),
      [
        ['a', 'tie', 0],
        ['b', 'win', 0.5],
        ['c', 'win', 0.5],
      ],
    );
    assert.deepEqual([c.wins, c.losses, c.ties], [2, 0, 1]);
    assert.deepEqual(c.onlyInBaseline, ['d']);
    assert.deepEqual(c.onlyInVariant, ['e']);
    assert.equal(c.baseline.score.mean, 0.5);
    assert.equal(c.variant.score.mean, 2.5 / 3);
    assert.ok(Math.abs(c.variant.costUsd - 0.006) < 1e-12);
    assert.equal(c.variant.meanLatencyMs, 500);
    assert.equal(c.baseline.meanLatencyMs, 1000);
    assert.equal(c.regressed, false);
  });

  it('the paired interval of identical sides is zero, and deterministic for a seed', () => {
    const base = evalOf({ a: 1, b: 0, c: 0.5, d: 0.25 });
    const c1 = compareEvals(base, base, { seed: 5 });
    assert.deepEqual(c1.difference, { mean: 0, low: 0, high: 0 });
    assert.equal(c1.ties, 4);
    const variant = evalOf({ a: 0.5, b: 0.25, c: 0.5, d: 0 });
    assert.deepEqual(compareEvals(base, variant, { seed: 5 }), compareEvals(base, variant, { seed: 5 }));
    assert.equal(compareEvals(base, variant, { seed: 5 }).resamples, 2000);
  });

  it('regresses when the variant mean is below the baseline by more than maxRegression (default 0.05)', () => {
    const base = evalOf({ a: 1, b: 1, c: 1, d: 1 });
    const exactly = compareEvals(base, evalOf({ a: 0.8, b: 1, c: 1, d: 1 })); // mean 0.95: exactly 0.05 below
    assert.equal(exactly.regressed, false, exactly.verdict);
    assert.match(exactly.verdict, /^no regression/);
    const past = compareEvals(base, evalOf({ a: 0.7, b: 1, c: 1, d: 1 })); // 0.925
    assert.equal(past.regressed, true);
    assert.match(past.verdict, /^regression: variant 0\.925 vs baseline 1\.000 \(-0\.075, 95% CI .*more than 0\.05/);
    assert.equal(compareEvals(base, evalOf({ a: 0.7, b: 1, c: 1, d: 1 }), { maxRegression: 0.1 }).regressed, false);
    assert.equal(compareEvals(evalOf({ a: 0 }), evalOf({ a: 1 })).regressed, false, 'better is never a regression');
  });

  it('says whether the paired interval lies wholly below the threshold, without gating on it', () => {
    const base = evalOf({ a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 });
    const all = compareEvals(base, evalOf({ a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 }));
    assert.equal(all.significant, true);
    const one = compareEvals(base, evalOf({ a: 0, b: 1, c: 1, d: 1, e: 1, f: 1 }));
    assert.equal(one.regressed, true, 'mean 0.833 is 0.167 below');
    assert.equal(one.significant, false, 'the paired interval reaches 0: resamples without case a');
  });
});
