/**
 * What an eval report holds (the JSON file `agentctl eval --out` writes, and what the HTML and terminal reports are
 * rendered from): the eval's whole result and its input, with where it came from. Pure.
 */
import type { EvalResult, ValidEvalInput } from '../../contracts/evals/contract';
import type { Comparison } from './compare';

export const EVAL_REPORT_FORMAT = 'durable-agents/eval-report@1';
export const COMPARE_REPORT_FORMAT = 'durable-agents/eval-compare@1';

/** One eval: `eval-<workflow id>.json`. */
export interface EvalReport {
  format: typeof EVAL_REPORT_FORMAT;
  workflowId: string;
  /** ISO time the report was made. */
  generatedAt: string;
  /** The dataset file as given on the command line. */
  dataset?: string;
  /** The variant's label, for the variant's side of a comparison. */
  variant?: string;
  /** The eval's input as the workflow ran it (cases, scorers, target, concurrency, budget, judge). */
  input: ValidEvalInput;
  result: EvalResult;
}

/** A baseline and a variant of the same cases: `compare-<baseline id>.json`. */
export interface CompareReport {
  format: typeof COMPARE_REPORT_FORMAT;
  generatedAt: string;
  baseline: EvalReport;
  variant: EvalReport;
  comparison: Comparison;
}

/** Report file names: workflow ids are letters, digits and `-_.` here, anything else becomes `_`. */
export function reportFileName(kind: 'eval' | 'compare', workflowId: string, ext: 'json' | 'html'): string {
  return `${kind}-${workflowId.replace(/[^a-zA-Z0-9_.-]/g, '_')}.${ext}`;
}

/** Milliseconds as `850ms`, `1.2s`, `3m04s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** A score (0..1) with three decimals. */
export const score = (x: number): string => x.toFixed(3);

/** Dollars with six decimals: model calls cost fractions of a cent. */
export const dollars = (x: number): string => `$${x.toFixed(6)}`;
