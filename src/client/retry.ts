/**
 * Retrying a failed run. An agent run is forked from the step it failed in (a Temporal reset, so the steps before
 * it come back from history); when no fork is possible (a graph run, a run that failed before its first model call,
 * a conversation the store has moved past) the run starts anew under a new workflow id with the input it was
 * started with, read from its history.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { agentNameKey } from '../contracts/search-attributes';
import { ForkUnavailableError, RetryUnavailableError } from './errors';
import { findForkPoint, forkRun, stepStarts } from './fork';
import { carriedOver } from './run-history';

/** How a failed run was retried. */
export interface RetryOutcome {
  /** `fork`: the same workflow id, reset to its failing step; `restart`: a new run with the same input. */
  mode: 'fork' | 'restart';
  workflowId: string;
  runId: string;
  /** The run that failed. */
  previousWorkflowId: string;
  previousRunId: string;
  /** The step a fork started from. */
  fromStep?: number;
  /** Why a fork was not possible, for a restart. */
  reason?: string;
}

/** Statuses a retry applies to: the run ended without its result. */
const RETRYABLE = ['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED'];

/** Retries a run that ended without completing; see the module comment for which way. */
export async function retryRun(client: Client, workflowId: string): Promise<RetryOutcome> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const status = description.status.name;
  if (!RETRYABLE.includes(status)) {
    throw new RetryUnavailableError(
      `run ${workflowId} is ${status.toLowerCase()}; only a failed, timed-out, terminated or cancelled run can be retried`,
    );
  }
  const history = await client.workflow.getHandle(workflowId, description.runId).fetchHistory();
  const events = history.events ?? [];
  let reason: string;
  try {
    const carried = await carriedOver(client, events[0]);
    const steps = stepStarts(events).length;
    if (steps === 0 || !findForkPoint(events, steps).ok) throw new ForkUnavailableError('no model call to fork from');
    const fromStep = carried.steps + steps;
    const fork = await forkRun(client, workflowId, { fromStep, reason: `retry of a ${status.toLowerCase()} run` });
    return {
      mode: 'fork',
      workflowId,
      runId: fork.runId,
      previousWorkflowId: workflowId,
      previousRunId: description.runId,
      fromStep,
    };
  } catch (err) {
    if (!(err instanceof ForkUnavailableError)) throw err;
    reason = err.message;
  }
  // Anew: this run's own input, without what an earlier run carried over, is the input the caller gave.
  const payloads = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const decoded = await decodeFromPayloadsAtIndex<Record<string, unknown>>(
    client.options.loadedDataConverter,
    0,
    payloads,
  );
  const { carryOver: _carried, ...input } = decoded ?? {};
  void _carried;
  const name = description.typedSearchAttributes.get(agentNameKey) ?? description.type;
  const newId = `${name}-${randomBytes(4).toString('hex')}`;
  const handle = await client.workflow.start(description.type, {
    workflowId: newId,
    taskQueue: description.taskQueue,
    args: [input],
    typedSearchAttributes: [{ key: agentNameKey, value: name }],
  });
  return {
    mode: 'restart',
    workflowId: newId,
    runId: handle.firstExecutionRunId,
    previousWorkflowId: workflowId,
    previousRunId: description.runId,
    reason,
  };
}
