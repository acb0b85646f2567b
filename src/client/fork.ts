/**
 * Forking a run from step N with Temporal's workflow reset. The new run keeps the history up to the workflow task
 * that scheduled step N's model call, so the model calls and tool calls of the steps before it come back from
 * history and are not executed again; step N runs afresh.
 *
 * Steps, not model-call events, are counted: a step whose model call failed over to a fallback model, or was sent
 * again whole (the conversation store lost its revision), schedules several `callModel` activities, and only the
 * first one starts the step. A run that continued as new numbers its steps on from the earlier runs; only the
 * steps of its latest run can be forked from, since a reset cannot reach back across continue-as-new.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { GRAPH_WORKFLOW_TYPE } from '../contracts/graph-contract';
import { ForkUnavailableError } from './errors';
import { carriedOver } from './run-history';

/** The activity type every model call is scheduled as (src/workflows/kernel/activities.ts). */
export const MODEL_CALL_ACTIVITY = 'callModel';

// temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE; a value fixed by the wire protocol.
const RESET_REAPPLY_TYPE_NONE = 2;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
/** An event id as history carries it (a protobuf Long), passed back to the server unchanged. */
type EventId = NonNullable<
  temporal.api.history.v1.IActivityTaskScheduledEventAttributes['workflowTaskCompletedEventId']
>;

/** Where a fork from step N starts: the event to reset to, and how many steps the run's history holds. */
export type ForkPoint = { ok: true; eventId: EventId; modelCalls: number } | { ok: false; modelCalls: number };

const idOf = (id: unknown): string => String(id ?? '');

/**
 * The WorkflowTaskCompleted events that scheduled each step's first model call, in order. A model call scheduled
 * right after the previous one failed (with nothing else in between) is that step trying again, not a new step.
 */
export function stepStarts(events: readonly HistoryEvent[]): EventId[] {
  const starts: EventId[] = [];
  const modelCalls = new Set<string>();
  let previousFailed = false;
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === MODEL_CALL_ACTIVITY) {
      modelCalls.add(idOf(e.eventId));
      const completedId = scheduled.workflowTaskCompletedEventId;
      if (!previousFailed && completedId !== undefined && completedId !== null) starts.push(completedId);
      previousFailed = false;
      continue;
    }
    const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (failed && modelCalls.has(idOf(failed.scheduledEventId))) previousFailed = true;
    else if (e.activityTaskCompletedEventAttributes || scheduled) previousFailed = false;
  }
  return starts;
}

/** Finds where a fork from the Nth step of this history (1 = its first step) starts. */
export function findForkPoint(events: readonly HistoryEvent[], step: number): ForkPoint {
  const starts = stepStarts(events);
  const eventId = starts[step - 1];
  if (step < 1 || eventId === undefined) return { ok: false, modelCalls: starts.length };
  return { ok: true, eventId, modelCalls: starts.length };
}

/** What `fork` did. */
export interface ForkOutcome {
  workflowId: string;
  /** The run the fork started. */
  runId: string;
  previousRunId: string;
  /** The WorkflowTaskCompleted event the new run was reset to. */
  resetToEventId: string;
  step: number;
}

/** Resets the run's latest execution to the start of step `step`. */
export async function forkRun(
  client: Client,
  workflowId: string,
  options: { fromStep: number; reason?: string },
): Promise<ForkOutcome> {
  const step = options.fromStep;
  const description = await client.workflow.getHandle(workflowId).describe();
  const history = await client.workflow.getHandle(workflowId, description.runId).fetchHistory();
  const events = history.events ?? [];
  const carried = description.type === GRAPH_WORKFLOW_TYPE ? { steps: 0 } : await carriedOver(client, events[0]);
  const before = carried.steps;
  if (step <= before) {
    throw new ForkUnavailableError(
      `step ${step} of run ${workflowId} ran in an earlier run: the run continued as new after step ${before}, ` +
        `and a fork (a Temporal reset) cannot reach back across continue-as-new; steps ${before + 1} and later can be forked from`,
    );
  }
  if (carried.conversation === 'reference') {
    // The conversation before this run lives only in the store, which holds its latest revision: a reset run
    // would build on a revision that is gone and fail with ConversationMissing.
    throw new ForkUnavailableError(
      `run ${workflowId} continued as new after step ${before} with its conversation in the conversation store, ` +
        'which keeps only the latest revision, so no step of it can be run again; ' +
        'runs started with conversationByReference: false can be forked after continuing as new',
    );
  }
  const point = findForkPoint(events, step - before);
  if (!point.ok) {
    const last = before + point.modelCalls;
    throw new ForkUnavailableError(
      point.modelCalls
        ? `--from-step ${step} is out of range: run ${workflowId} made ${last} step${last > 1 ? 's' : ''}, so steps ${before + 1} to ${last} can be forked from`
        : `run ${workflowId} has made no model call of its own yet; there is no step to fork from` +
            (description.type === GRAPH_WORKFLOW_TYPE
              ? ' (the agents of a graph call the model in their own child runs)'
              : ''),
    );
  }
  const response = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId, runId: description.runId },
    reason: options.reason ?? `fork from step ${step}`,
    workflowTaskFinishEventId: point.eventId,
    requestId: randomUUID(),
    resetReapplyType: RESET_REAPPLY_TYPE_NONE,
  });
  return {
    workflowId,
    runId: response.runId ?? '',
    previousRunId: description.runId,
    resetToEventId: String(point.eventId),
    step,
  };
}
