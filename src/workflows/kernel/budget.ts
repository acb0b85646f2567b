/**
 * The workflow side of budgets: a run's limits, its clock (workflow time, so replays agree) and its soft
 * warnings. The arithmetic lives in common/budget.ts; this class only adds time, logging and the failure.
 */
import { ApplicationFailure, log, workflowInfo } from '@temporalio/workflow';
import {
  checkBudget,
  childBudget,
  remaining,
  softWarnings,
  type Budget,
  type BudgetBreach,
  type BudgetInput,
  type BudgetLimit,
  type BudgetSpend,
  type BudgetStatus,
} from '../../contracts/budget';
import { ErrorType } from '../../contracts/errors';

export class BudgetTracker {
  /** Workflow time the wall clock counts from: this run's start, or the first run's after continue-as-new. */
  readonly startedAt: number;
  private readonly warned: BudgetLimit[] = [];
  exceeded?: BudgetBreach;

  constructor(
    readonly limits: Budget | undefined,
    private readonly scope: string,
    startedAt?: number,
  ) {
    this.startedAt = startedAt ?? workflowInfo().runStartTime.getTime();
  }

  /** Milliseconds of workflow time since the run started. */
  elapsedMs(): number {
    return Math.max(0, Date.now() - this.startedAt);
  }

  /**
   * Returns the breach that forbids the next call, if any, and logs soft-threshold warnings once per limit.
   * `extraToolCalls` asks whether that many more tool calls would fit.
   */
  check(spend: BudgetSpend, extraToolCalls = 0): BudgetBreach | undefined {
    if (!this.limits) return undefined;
    const elapsed = this.elapsedMs();
    for (const limit of softWarnings(this.limits, spend, elapsed, this.warned)) {
      this.warned.push(limit);
      log.warn('budget soft threshold passed', {
        scope: this.scope,
        limit,
        max: this.limits[limit],
        softThreshold: this.limits.softThreshold,
        spent: limit === 'maxWallClockMs' ? elapsed : spend,
      });
    }
    const breach = checkBudget(this.limits, spend, elapsed, extraToolCalls);
    if (breach) {
      this.exceeded ??= breach;
      log.warn('budget exceeded', { scope: this.scope, limit: breach.limit, max: breach.max, spent: breach.spent });
    }
    return breach;
  }

  /** Marks the run over budget because a child run was (it spent what this run had left). */
  markExceeded(breach: BudgetBreach): void {
    this.exceeded ??= breach;
  }

  /** The budget a child run or one of `shares` parallel branches gets. */
  forChild(spend: BudgetSpend, shares = 1): BudgetInput | undefined {
    return childBudget(this.limits, spend, this.elapsedMs(), shares);
  }

  status(spend: BudgetSpend): BudgetStatus | undefined {
    if (!this.limits) return undefined;
    const elapsed = this.elapsedMs();
    return {
      limits: this.limits,
      spent: { ...spend, wallClockMs: elapsed },
      remaining: remaining(this.limits, spend, elapsed),
      softWarnings: [...this.warned],
      ...(this.exceeded ? { exceeded: this.exceeded } : {}),
    };
  }
}

/** The typed outcome of a breach: a non-retryable BudgetExceeded failure carrying the partial result. */
export function budgetExceededFailure(scope: string, breach: BudgetBreach, partial: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.BudgetExceeded,
    message: `${scope}: budget exceeded: ${breach.message}`,
    nonRetryable: true,
    details: [partial],
  });
}

/** Thrown inside a graph run when a budget check fails; the graph loop turns it into its over-budget edge or a failure. */
export class BudgetBreachError extends ApplicationFailure {
  constructor(readonly breach: BudgetBreach) {
    // An ApplicationFailure, so that one escaping by mistake still fails the run with the right type.
    super(`budget exceeded: ${breach.message}`, ErrorType.BudgetExceeded, true);
  }
}
