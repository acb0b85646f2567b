/**
 * Reading a run's live `state`. A query needs a worker to answer it, so the client first asks whether any worker
 * polls the run's task queue and gives the query a deadline: with no worker it says so at once.
 */
import { isGrpcDeadlineError, type Client } from '@temporalio/client';
import { stateQuery } from '../contracts/agent-contract';
import { oneLine } from '../contracts/text';
import { hasWorkflowPollers } from './pollers';
import type { RunState } from './types';

/** How long a `state` query may take; a worker answers in milliseconds, replaying the run if it must. */
export const QUERY_TIMEOUT_MS = 10_000;

/** The live state, or why it could not be read. */
export type StateAnswer = { ok: true; state: RunState } | { ok: false; reason: string };

/** Queries `state`, returning why it failed instead of throwing, so callers can fall back to describe. */
export async function queryState(
  client: Client,
  workflowId: string,
  taskQueue: string,
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<StateAnswer> {
  if (!(await hasWorkflowPollers(client, taskQueue))) {
    return { ok: false, reason: `no worker is polling task queue ${taskQueue} (start one with npm run worker)` };
  }
  const handle = client.workflow.getHandle(workflowId);
  try {
    const state = (await client.connection.withDeadline(Date.now() + timeoutMs, () =>
      handle.query(stateQuery),
    )) as RunState;
    return { ok: true, state };
  } catch (err) {
    if (isGrpcDeadlineError(err)) {
      return {
        ok: false,
        reason: `no worker on task queue ${taskQueue} answered the state query within ${timeoutMs / 1000} s`,
      };
    }
    const message = err instanceof Error ? oneLine(err.message) : String(err);
    return { ok: false, reason: `the state query failed: ${message || 'no reason given'}` };
  }
}
