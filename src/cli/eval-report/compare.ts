/**
 * The comparison of two evals of the same cases (a baseline and a variant): per-case score differences, wins,
 * losses and ties, each side's mean with a bootstrap 95 % interval, the paired bootstrap interval of the
 * difference, cost and latency side by side, and the regression verdict `agentctl eval --compare` exits by.
 *
 * The regression rule is the point estimate: the variant regresses when its mean score is below the baseline's by
 * more than `maxRegression` (score points, 0..1). The paired interval is reported beside it (`significant` says
 * whether it lies wholly below -maxRegression) but does not decide: with the few cases an eval usually has, the
 * interval is wide, and a gate that almost never fires protects nothing.
 */
import type { EvalCaseResult, EvalResult } from '../../contracts/evals/contract';
import { bootstrapMean, DEFAULT_RESAMPLES, type MeanInterval } from './bootstrap';

/** Two scores closer than this are a tie (scores are means of a few scorers, so exact equality is meaningful). */
const TIE = 1e-9;

export const DEFAULT_MAX_REGRESSION = 0.05;
export const DEFAULT_SEED = 1;

export interface CompareOptions {
  /** Score points (0..1) the variant's mean may fall below the baseline's before it counts as a regression. */
  maxRegression?: number;
  seed?: number;
  resamples?: number;
}

/** One case in both evals. */
export interface CaseComparison {
  id: string;
  tags: string[];
  baseline: number;
  variant: number;
  /** variant − baseline. */
  diff: number;
  outcome: 'win' | 'loss' | 'tie';
  baselinePass: boolean;
  variantPass: boolean;
  baselineCostUsd: number;
  variantCostUsd: number;
  baselineLatencyMs: number;
  variantLatencyMs: number;
}

/** One side's totals over the compared cases. */
export interface SideSummary {
  name: string;
  score: MeanInterval;
  passed: number;
  costUsd: number;
  judgeCostUsd: number;
  meanLatencyMs: number;
}

export interface Comparison {
  cases: CaseComparison[];
  /** Case ids only one of the two evals has (they are left out of everything else). */
  onlyInBaseline: string[];
  onlyInVariant: string[];
  wins: number;
  losses: number;
  ties: number;
  baseline: SideSummary;
  variant: SideSummary;
  /** Mean of the per-case differences (variant − baseline) and its paired bootstrap interval. */
  difference: MeanInterval;
  seed: number;
  resamples: number;
  maxRegression: number;
  /** The variant's mean is below the baseline's by more than maxRegression: the gate fails. */
  regressed: boolean;
  /** The paired interval lies wholly below -maxRegression (reported; the gate does not use it). */
  significant: boolean;
  /** One line: why the gate passed or failed. */
  verdict: string;
}

const mean = (values: readonly number[]): number =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;

function side(name: string, rows: readonly EvalCaseResult[], seed: number, resamples: number): SideSummary {
  return {
    name,
    score: bootstrapMean(
      rows.map((r) => r.score),
      { seed, resamples },
    ),
    passed: rows.filter((r) => r.pass).length,
    costUsd: rows.reduce((a, r) => a + r.costUsd, 0),
    judgeCostUsd: rows.reduce((a, r) => a + r.judgeCostUsd, 0),
    meanLatencyMs: mean(rows.map((r) => r.latencyMs)),
  };
}

const points = (x: number): string => x.toFixed(3);

/** Compares a variant's eval with the baseline's, case by case (matched by case id). Pure and deterministic. */
export function compareEvals(
  baseline: EvalResult,
  variant: EvalResult,
  options: CompareOptions & { baselineName?: string; variantName?: string } = {},
): Comparison {
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const maxRegression = options.maxRegression ?? DEFAULT_MAX_REGRESSION;
  const variantById = new Map(variant.results.map((r) => [r.id, r]));
  const baselineIds = new Set(baseline.results.map((r) => r.id));
  const pairs = baseline.results.flatMap((b) => {
    const v = variantById.get(b.id);
    return v ? [{ b, v }] : [];
  });
  const cases: CaseComparison[] = pairs.map(({ b, v }) => {
    const diff = v.score - b.score;
    return {
      id: b.id,
      tags: b.tags,
      baseline: b.score,
      variant: v.score,
      diff,
      outcome: Math.abs(diff) <= TIE ? 'tie' : diff > 0 ? 'win' : 'loss',
      baselinePass: b.pass,
      variantPass: v.pass,
      baselineCostUsd: b.costUsd,
      variantCostUsd: v.costUsd,
      baselineLatencyMs: b.latencyMs,
      variantLatencyMs: v.latencyMs,
    };
  });
  // Each interval gets a seed of its own, derived from the one given, so the three are not the same resamples.
  const base = side(
    options.baselineName ?? 'baseline',
    pairs.map((p) => p.b),
    seed,
    resamples,
  );
  const vari = side(
    options.variantName ?? 'variant',
    pairs.map((p) => p.v),
    seed + 1,
    resamples,
  );
  const difference = bootstrapMean(
    cases.map((c) => c.diff),
    { seed: seed + 2, resamples },
  );
  const regressed = cases.length > 0 && difference.mean < -maxRegression - TIE;
  const significant = cases.length > 0 && difference.high < -maxRegression - TIE;
  const change = `${vari.name} ${points(vari.score.mean)} vs ${base.name} ${points(base.score.mean)} (${difference.mean >= 0 ? '+' : ''}${points(difference.mean)}, 95% CI ${points(difference.low)}..${points(difference.high)})`;
  const verdict = regressed
    ? `regression: ${change} is more than ${maxRegression} below the baseline`
    : `no regression: ${change}, within ${maxRegression} of the baseline or better`;
  return {
    cases,
    onlyInBaseline: baseline.results.filter((r) => !variantById.has(r.id)).map((r) => r.id),
    onlyInVariant: variant.results.filter((r) => !baselineIds.has(r.id)).map((r) => r.id),
    wins: cases.filter((c) => c.outcome === 'win').length,
    losses: cases.filter((c) => c.outcome === 'loss').length,
    ties: cases.filter((c) => c.outcome === 'tie').length,
    baseline: base,
    variant: vari,
    difference,
    seed,
    resamples,
    maxRegression,
    regressed,
    significant,
    verdict,
  };
}
