/**
 * Hard budgets over a whole run tree. Pure functions, so the workflow checks them itself before every
 * model call and the decision replays exactly. A child run gets what its parent has left; parallel
 * branches get equal shares of it, so twenty branches cannot spend twenty budgets.
 */
import { z } from 'zod';

export const budgetSchema = z
  .object({
    /** Input plus output tokens over the run and every run it starts. */
    maxTokens: z.number().int().positive().optional(),
    maxCostUsd: z.number().positive().optional(),
    /** Model calls over the run tree (not the agent loop's `maxSteps`, which bounds one agent). */
    maxSteps: z.number().int().positive().optional(),
    maxToolCalls: z.number().int().nonnegative().optional(),
    /** Milliseconds of workflow time from the run's start. */
    maxWallClockMs: z.number().int().positive().optional(),
    /** Share of any limit at which a warning is logged (once per limit); 0.8 warns at 80 %. */
    softThreshold: z.number().gt(0).max(1).default(0.8),
  })
  .strict();
export type Budget = z.output<typeof budgetSchema>;
export type BudgetInput = z.input<typeof budgetSchema>;

/** What a run (and its children) has spent so far. */
export interface BudgetSpend {
  tokens: number;
  costUsd: number;
  /** Model calls (responses received), failed validations included. */
  steps: number;
  toolCalls: number;
}

export type BudgetLimit = 'maxTokens' | 'maxCostUsd' | 'maxSteps' | 'maxToolCalls' | 'maxWallClockMs';

export interface BudgetBreach {
  limit: BudgetLimit;
  max: number;
  spent: number;
  /** `maxTokens 1000 reached (1043 spent)`. */
  message: string;
}

/** The budget section of the `state` query and the final result. */
export interface BudgetStatus {
  limits: Budget;
  spent: BudgetSpend & { wallClockMs: number };
  /** What is left of each declared limit (never negative). */
  remaining: Partial<Record<BudgetLimit, number>>;
  /** Limits whose soft threshold has been passed, in the order they were. */
  softWarnings: BudgetLimit[];
  exceeded?: BudgetBreach;
}

export const emptySpend = (): BudgetSpend => ({ tokens: 0, costUsd: 0, steps: 0, toolCalls: 0 });

/** What a run (agent or graph) has spent so far, in the terms budgets count. */
export function spendOf(run: {
  cost: { totalTokens: number; totalUsd: number };
  modelCalls: number;
  toolCalls: number;
}): BudgetSpend {
  return { tokens: run.cost.totalTokens, costUsd: run.cost.totalUsd, steps: run.modelCalls, toolCalls: run.toolCalls };
}

export function addSpend(a: BudgetSpend, b: BudgetSpend): BudgetSpend {
  return {
    tokens: a.tokens + b.tokens,
    costUsd: a.costUsd + b.costUsd,
    steps: a.steps + b.steps,
    toolCalls: a.toolCalls + b.toolCalls,
  };
}

const spendLimits: [BudgetLimit, keyof BudgetSpend][] = [
  ['maxTokens', 'tokens'],
  ['maxCostUsd', 'costUsd'],
  ['maxSteps', 'steps'],
  ['maxToolCalls', 'toolCalls'],
];

function spentOn(limit: BudgetLimit, spend: BudgetSpend, wallClockMs: number): number {
  if (limit === 'maxWallClockMs') return wallClockMs;
  return spend[(spendLimits.find(([l]) => l === limit) as [BudgetLimit, keyof BudgetSpend])[1]];
}

const allLimits: BudgetLimit[] = ['maxTokens', 'maxCostUsd', 'maxSteps', 'maxToolCalls', 'maxWallClockMs'];

function breach(limit: BudgetLimit, max: number, spent: number): BudgetBreach {
  const shown = limit === 'maxCostUsd' ? `$${spent.toFixed(6)}` : String(spent);
  return { limit, max, spent, message: `${limit} ${max} reached (${shown} spent)` };
}

/**
 * Whether another model call may start: every declared limit must still have room. With `extraToolCalls`,
 * asks instead whether that many more tool calls fit (checked before a turn's tools run; running tools is
 * not a model call, so only the tool-call limit applies then).
 */
export function checkBudget(
  budget: Budget,
  spend: BudgetSpend,
  wallClockMs: number,
  extraToolCalls = 0,
): BudgetBreach | undefined {
  for (const limit of allLimits) {
    const max = budget[limit];
    if (max === undefined) continue;
    if (extraToolCalls > 0 && limit !== 'maxToolCalls') continue;
    const spent = spentOn(limit, spend, wallClockMs);
    if (limit === 'maxToolCalls') {
      if (extraToolCalls > 0 && spent + extraToolCalls > max) return breach(limit, max, spent + extraToolCalls);
      continue;
    }
    if (spent >= max) return breach(limit, max, spent);
  }
  return undefined;
}

/** Limits newly past their soft threshold (not yet in `already`). */
export function softWarnings(
  budget: Budget,
  spend: BudgetSpend,
  wallClockMs: number,
  already: readonly BudgetLimit[],
): BudgetLimit[] {
  return allLimits.filter((limit) => {
    const max = budget[limit];
    return (
      max !== undefined && !already.includes(limit) && spentOn(limit, spend, wallClockMs) >= max * budget.softThreshold
    );
  });
}

/** What is left of each declared limit. */
export function remaining(
  budget: Budget,
  spend: BudgetSpend,
  wallClockMs: number,
): Partial<Record<BudgetLimit, number>> {
  const out: Partial<Record<BudgetLimit, number>> = {};
  for (const limit of allLimits) {
    const max = budget[limit];
    if (max !== undefined) out[limit] = Math.max(0, max - spentOn(limit, spend, wallClockMs));
  }
  return out;
}

/**
 * The budget a child run gets: what is left, divided into `shares` equal parts (parallel branches), each
 * count rounded down. Wall-clock time is not divided: branches run side by side against one deadline.
 * Returns undefined when there is no budget to pass on.
 */
export function childBudget(
  budget: Budget | undefined,
  spend: BudgetSpend,
  wallClockMs: number,
  shares = 1,
): BudgetInput | undefined {
  if (!budget) return undefined;
  const left = remaining(budget, spend, wallClockMs);
  const n = Math.max(1, shares);
  const count = (v: number | undefined) => (v === undefined ? undefined : Math.floor(v / n));
  const child: BudgetInput = { softThreshold: budget.softThreshold };
  // A limit of 0 is not a valid budget field for counts that must be positive; 1 token, 1 step or a
  // micro-dollar leaves the child exactly one check before it stops, which is what "nothing left" means.
  const tokens = count(left.maxTokens);
  if (tokens !== undefined) child.maxTokens = Math.max(1, tokens);
  if (left.maxCostUsd !== undefined) child.maxCostUsd = Math.max(1e-9, left.maxCostUsd / n);
  const steps = count(left.maxSteps);
  if (steps !== undefined) child.maxSteps = Math.max(1, steps);
  const tools = count(left.maxToolCalls);
  if (tools !== undefined) child.maxToolCalls = tools;
  if (left.maxWallClockMs !== undefined) child.maxWallClockMs = Math.max(1, Math.floor(left.maxWallClockMs));
  return child;
}
