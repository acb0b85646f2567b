/**
 * The contract of scheduled evals (`agentctl eval schedule`): a Temporal Schedule starts `evalScheduleWorkflow`
 * every interval; each run samples completed runs of one agent, scores them, records each score (a score record
 * run carrying the `AgentScore` search attribute, since a closed run's own attributes cannot change), and raises
 * an alert when the rolling mean crosses the threshold or drops too far below its baseline. The alert decision is
 * a pure function of the scores before and after this tick, so an alert is raised once per crossing, never on
 * every tick, without any state kept between runs of the schedule.
 */
import { z } from 'zod';
import { scorerSpecSchema, type CaseRunFacts } from './scorers';

export const EVAL_SCHEDULE_WORKFLOW_TYPE = 'evalScheduleWorkflow';
export const AGENT_SCORE_RECORD_WORKFLOW_TYPE = 'agentScoreRecordWorkflow';

/** Schedule ids: letters, digits, `.`, `_` and `-` (they become part of workflow ids and visibility queries). */
export const scheduleIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" and "-", at most 100 characters');

export const evalScheduleInputSchema = z
  .object({
    scheduleId: scheduleIdSchema,
    /** The agent whose completed runs are sampled (its `AgentName`). */
    agent: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'an agent name (letters, digits, ".", "_", "-")'),
    /** Most runs scored per tick (runs already scored by this schedule are skipped). */
    sample: z.number().int().min(1).max(100).default(10),
    scorers: z
      .array(scorerSpecSchema)
      .min(1)
      .max(20)
      .refine((s) => s.every((x) => x.type !== 'judge'), {
        message: 'judge scorers are not supported by scheduled evals yet; use built-in or custom scorers',
      }),
    /** Alert when the rolling mean falls below this. */
    threshold: z.number().min(0).max(1).optional(),
    /** Alert when the rolling mean is more than this below the baseline (the mean of the first `window` scores). */
    maxDrop: z.number().min(0).max(1).optional(),
    /** Scores in the rolling mean (default 20). */
    window: z.number().int().min(1).max(500).default(20),
    /** A webhook subscription the worker's operator declared, told of each alert (event `eval.alert`). */
    webhook: z.string().min(1).max(200).optional(),
  })
  .strict();
export type EvalScheduleInput = z.input<typeof evalScheduleInputSchema>;
export type ValidEvalScheduleInput = z.output<typeof evalScheduleInputSchema>;

/** One completed run the sampler picked, with what scorers read. */
export interface SampledRun {
  workflowId: string;
  runId: string;
  facts: CaseRunFacts;
}

/** What the sampling activity answers: new runs, and the schedule's recorded scores (newest first). */
export interface ScheduleSample {
  runs: SampledRun[];
  /** Recorded scores of this schedule, newest first (at most 1,000). */
  history: number[];
}

export interface ScoreRecordInput {
  scheduleId: string;
  agent: string;
  workflowId: string;
  runId: string;
  score: number;
}

export type AlertKind = 'threshold' | 'drop';

export interface EvalAlert {
  kind: AlertKind;
  scheduleId: string;
  agent: string;
  mean: number;
  baseline?: number;
  threshold?: number;
  maxDrop?: number;
}

export interface EvalScheduleResult {
  scored: { workflowId: string; score: number }[];
  mean?: number;
  baseline?: number;
  alerts: EvalAlert[];
}

function meanOf(xs: number[]): number | undefined {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** Rolling mean of the newest `window` scores (newest first), and the baseline: the mean of the oldest `window`. */
export function rollingStats(newestFirst: number[], window: number): { mean?: number; baseline?: number } {
  const mean = meanOf(newestFirst.slice(0, window));
  const baseline = meanOf(newestFirst.slice(-window));
  return { ...(mean !== undefined ? { mean } : {}), ...(baseline !== undefined ? { baseline } : {}) };
}

/**
 * The alerts of one tick: a condition that holds after the tick's scores and did not hold before them. Before
 * any score nothing holds, so the first bad tick alerts; later bad ticks stay quiet until the mean recovers.
 */
export function alertsOf(input: ValidEvalScheduleInput, before: number[], fresh: number[]): EvalAlert[] {
  if (!fresh.length) return [];
  const prior = rollingStats(before, input.window);
  const now = rollingStats([...fresh, ...before], input.window);
  const below = (s: { mean?: number }) =>
    input.threshold !== undefined && s.mean !== undefined && s.mean < input.threshold;
  const dropped = (s: { mean?: number; baseline?: number }) =>
    input.maxDrop !== undefined &&
    s.mean !== undefined &&
    s.baseline !== undefined &&
    s.baseline - s.mean > input.maxDrop + 1e-12;
  const alerts: EvalAlert[] = [];
  const base = { scheduleId: input.scheduleId, agent: input.agent, mean: now.mean as number };
  if (below(now) && !below(prior)) alerts.push({ ...base, kind: 'threshold', threshold: input.threshold as number });
  if (dropped(now) && !dropped(prior)) {
    alerts.push({ ...base, kind: 'drop', baseline: now.baseline as number, maxDrop: input.maxDrop as number });
  }
  return alerts;
}

/** The workflow id of a run's score record under a schedule (one per schedule and run). */
export function scoreRecordId(scheduleId: string, workflowId: string): string {
  return `agent-score--${scheduleId}--${workflowId}`;
}
