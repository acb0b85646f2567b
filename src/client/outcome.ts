/** How a run ended: its result when it completed, or the root cause when it did not. */
import type { Client } from '@temporalio/client';
import { asRunFailure } from './failure';
import { RunFailedError } from './errors';
import { isGraphResult, type RunResult } from './types';

/** The end of a run. `completed` runs may still have stopped short of their goal: see `status`. */
export type RunOutcome =
  | {
      outcome: 'completed';
      /** `completed` for agent runs; a graph's own status: completed, rejected, limit_reached, budget_exceeded. */
      status: string;
      result: RunResult;
    }
  | { outcome: RunFailedError['outcome']; status: string; error: RunFailedError };

/** True when the run reached its goal: an agent run that completed, a graph that ended at `completed`. */
export const reachedGoal = (outcome: RunOutcome): boolean =>
  outcome.outcome === 'completed' && outcome.status === 'completed';

/** Waits for the run to close and reads how it ended. */
export async function runOutcome(client: Client, workflowId: string): Promise<RunOutcome> {
  try {
    const result = (await client.workflow.getHandle(workflowId).result()) as RunResult;
    return { outcome: 'completed', status: isGraphResult(result) ? result.status : 'completed', result };
  } catch (err) {
    const failure = asRunFailure(workflowId, err);
    if (failure instanceof RunFailedError) return { outcome: failure.outcome, status: failure.outcome, error: failure };
    throw failure;
  }
}
