/**
 * Reading a run's live `state`. A query needs a worker to answer it, so agentctl first asks whether any
 * worker polls the run's task queue and gives the query a deadline: with no worker it says so at once
 * instead of hanging.
 */
import { isGrpcDeadlineError, type Client } from '@temporalio/client';
import { stateQuery, type AgentState } from '../contracts/agent-contract';
import { oneLine } from './output';

/** How long a `state` query may take; a worker answers in milliseconds, replaying the run if it must. */
export const QUERY_TIMEOUT_MS = 10_000;

// Numeric values of temporal.api.enums.v1.TaskQueueKind.NORMAL and TaskQueueType.WORKFLOW; the proto
// package is not a direct dependency, and these values are fixed by the wire protocol.
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/** The live state, or why it could not be read. */
export type StateAnswer = { ok: true; state: AgentState } | { ok: false; reason: string };

/** Whether any worker has polled the task queue for workflow tasks recently; true when the server cannot say. */
export async function hasWorkflowPollers(client: Client, taskQueue: string): Promise<boolean> {
  try {
    const response = await client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
        taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    return (response.pollers?.length ?? 0) > 0;
  } catch {
    // Some deployments restrict DescribeTaskQueue; the query itself will tell.
    return true;
  }
}

/**
 * Queries `state`, returning why it failed instead of throwing, so callers can fall back to what the
 * server knows without a worker.
 */
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
    const state = await client.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(stateQuery));
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
