/**
 * The files `agentctl eval --out DIR` writes: `eval-<id>.json` (the report: whole result and the eval's input) and
 * `eval-<id>.html` (the self-contained page) for each eval, and `compare-<baseline id>.json|html` for a comparison.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EvalResult, ValidEvalInput } from '../contracts/evals/contract';
import type { Comparison } from './eval-report/compare';
import { compareHtml, evalHtml } from './eval-report/html';
import {
  COMPARE_REPORT_FORMAT,
  EVAL_REPORT_FORMAT,
  reportFileName,
  type CompareReport,
  type EvalReport,
} from './eval-report/report';
import { UsageError } from './errors';

/** The report of one finished eval. */
export function evalReportOf(
  workflowId: string,
  input: ValidEvalInput,
  result: EvalResult,
  extra: { dataset?: string; variant?: string; now?: Date } = {},
): EvalReport {
  return {
    format: EVAL_REPORT_FORMAT,
    workflowId,
    generatedAt: (extra.now ?? new Date()).toISOString(),
    ...(extra.dataset ? { dataset: extra.dataset } : {}),
    ...(extra.variant ? { variant: extra.variant } : {}),
    input,
    result,
  };
}

export function compareReportOf(baseline: EvalReport, variant: EvalReport, comparison: Comparison): CompareReport {
  return { format: COMPARE_REPORT_FORMAT, generatedAt: baseline.generatedAt, baseline, variant, comparison };
}

/** Makes the folder (and its parents); a path that is a file, or unwritable, is a UsageError before any eval starts. */
export function prepareOutDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw new UsageError(`--out ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`--out ${dir}: not a folder`);
}

/** Writes one eval's JSON and HTML; returns the paths written. */
export function writeEvalReport(dir: string, report: EvalReport): string[] {
  const json = path.join(dir, reportFileName('eval', report.workflowId, 'json'));
  const html = path.join(dir, reportFileName('eval', report.workflowId, 'html'));
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(html, evalHtml(report));
  return [json, html];
}

/** Writes the comparison's JSON and HTML; returns the paths written. */
export function writeCompareReport(dir: string, report: CompareReport): string[] {
  const json = path.join(dir, reportFileName('compare', report.baseline.workflowId, 'json'));
  const html = path.join(dir, reportFileName('compare', report.baseline.workflowId, 'html'));
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(html, compareHtml(report));
  return [json, html];
}
