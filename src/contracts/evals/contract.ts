/**
 * The public contract of `evalWorkflow`: its input (a target agent or graph, the cases, the scorers, the
 * concurrency and the per-case budget), its `state` query (progress) and its result (one row per case).
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { agentInputSchema } from '../agent-contract';
import { budgetSchema } from '../budget';
import { modelIdSchema } from '../model-id';
import { evalCaseSchema, MAX_EVAL_CASES } from './dataset';
import { scorerSpecSchema, type CaseRunFacts, type Score, type ScorerSpec } from './scorers';

export const EVAL_WORKFLOW_TYPE = 'evalWorkflow';

/** The agent or graph every case runs through. The agent's `input` is each case's. */
export const evalTargetSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('agent'),
      /** A complete `agentWorkflow` input but its request (`input`), which each case gives. */
      agent: agentInputSchema.omit({ input: true, carryOver: true, budget: true }).strict(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('graph'),
      /** A graph spec (validated again by the child run, which fails the case, not the eval, when it is bad). */
      spec: z.record(z.string(), z.unknown()),
    })
    .strict(),
]);
export type EvalTarget = z.input<typeof evalTargetSchema>;

export const evalInputSchema = z
  .object({
    /** Shown in reports and the state query. */
    name: z.string().min(1).max(200).default('eval'),
    target: evalTargetSchema,
    cases: z
      .array(evalCaseSchema.extend({ id: z.string().min(1).max(100) }))
      .min(1)
      .max(MAX_EVAL_CASES),
    scorers: z.array(scorerSpecSchema).min(1).max(50),
    /** Cases running at once (default 4). */
    concurrency: z.number().int().min(1).max(50).default(4),
    /** Hard limits of each case's run (tokens, cost, steps, tool calls, wall clock). */
    caseBudget: budgetSchema.optional(),
    /** The judge model of judge scorers that name none (`provider:model`). */
    judge: modelIdSchema.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    const ids = new Set<string>();
    input.cases.forEach((c, i) => {
      if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: ['cases', i, 'id'], message: `duplicate id "${c.id}"` });
      ids.add(c.id);
    });
    input.scorers.forEach((s, i) => {
      if (s.type === 'judge' && !s.model && !input.judge)
        ctx.addIssue({ code: 'custom', path: ['scorers', i, 'model'], message: 'a judge needs a model (or --judge)' });
    });
  });
export type EvalInput = z.input<typeof evalInputSchema>;
export type ValidEvalInput = z.output<typeof evalInputSchema>;

/** One case's outcome. */
export interface EvalCaseResult {
  id: string;
  tags: string[];
  /** The child run. */
  workflowId: string;
  status: 'completed' | 'failed';
  /** The answer (bounded). */
  output: string;
  error?: string;
  scores: Score[];
  /** Mean of the case's scores. */
  score: number;
  /** Every scorer passed. */
  pass: boolean;
  /** The run's own cost (its whole run tree); the judge's is in `judgeCostUsd`. */
  costUsd: number;
  judgeCostUsd: number;
  tokens: number;
  steps: number;
  toolCalls: number;
  latencyMs: number;
}

export interface EvalSummary {
  cases: number;
  completed: number;
  failed: number;
  passed: number;
  meanScore: number;
  /** Mean score per scorer. */
  byScorer: Record<string, number>;
  /** Mean score and count per tag. */
  byTag: Record<string, { cases: number; meanScore: number; passed: number }>;
  costUsd: number;
  judgeCostUsd: number;
  meanLatencyMs: number;
}

export interface EvalResult {
  name: string;
  target: { kind: 'agent' | 'graph'; name: string; model?: string };
  results: EvalCaseResult[];
  summary: EvalSummary;
}

/** The `state` query: progress, the running cases, and the last finished ones (bounded). */
export interface EvalState {
  workflowType: typeof EVAL_WORKFLOW_TYPE;
  name: string;
  status: 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  running: string[];
  /** Most cases that ran at once so far. */
  maxRunning: number;
  passed: number;
  costUsd: number;
  judgeCostUsd: number;
  /** Mean score of the finished cases. */
  meanScore: number;
  /** The last finished cases, newest last, without their scores' reasons (see the result for those). */
  recent: { id: string; workflowId: string; status: string; score: number; pass: boolean; costUsd: number }[];
}

export const evalStateQuery = defineQuery<EvalState>('state');

/** Input of the `scoreEvalCase` activity: one case, what its run did, the scorers, and the judges' replies. */
export interface ScoreCaseInput {
  caseInput: unknown;
  expected: unknown;
  metadata: Record<string, unknown>;
  facts: CaseRunFacts;
  scorers: ScorerSpec[];
  /** Index in `scorers` → the judge's reply text and what it cost. */
  judgeReplies: Record<number, { reply: string; costUsd: number }>;
}

/** Mean of some numbers, 0 for none. */
export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** The summary of some case results (pure: the workflow computes it, and so does a report of a saved result). */
export function summarize(results: EvalCaseResult[]): EvalSummary {
  const byScorer: Record<string, number[]> = {};
  const byTag: Record<string, EvalCaseResult[]> = {};
  for (const r of results) {
    for (const s of r.scores) (byScorer[s.scorer] ??= []).push(s.score);
    for (const t of r.tags) (byTag[t] ??= []).push(r);
  }
  return {
    cases: results.length,
    completed: results.filter((r) => r.status === 'completed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    passed: results.filter((r) => r.pass).length,
    meanScore: mean(results.map((r) => r.score)),
    byScorer: Object.fromEntries(Object.entries(byScorer).map(([k, v]) => [k, mean(v)])),
    byTag: Object.fromEntries(
      Object.entries(byTag).map(([k, v]) => [
        k,
        { cases: v.length, meanScore: mean(v.map((r) => r.score)), passed: v.filter((r) => r.pass).length },
      ]),
    ),
    costUsd: results.reduce((a, r) => a + r.costUsd, 0),
    judgeCostUsd: results.reduce((a, r) => a + r.judgeCostUsd, 0),
    meanLatencyMs: mean(results.map((r) => r.latencyMs)),
  };
}
