/**
 * `agentctl fork <id> --from-step N`: retries a run from a checkpoint with Temporal's workflow reset. The
 * new run keeps the history up to the workflow task that scheduled the Nth model call, so the model calls
 * and tool calls of steps 1..N-1 come back from history and are not executed again; step N runs afresh.
 */
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { UserError } from '../contracts/errors';
import { GRAPH_WORKFLOW_TYPE } from '../contracts/graph-contract';
import { parseCommandArgs, type Command } from './command';
import { fields, webUiLink } from './output';

/** The activity type every model call is scheduled as (src/workflows/agent/activities.ts). */
export const MODEL_CALL_ACTIVITY = 'callModel';

// temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE; a value fixed by the wire protocol.
const RESET_REAPPLY_TYPE_NONE = 2;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
/** An event id as history carries it (a protobuf Long), passed back to the server unchanged. */
type EventId = NonNullable<
  temporal.api.history.v1.IActivityTaskScheduledEventAttributes['workflowTaskCompletedEventId']
>;

/** Where a fork from step N starts: the event to reset to, and how many model calls the run made. */
export type ForkPoint = { ok: true; eventId: EventId; modelCalls: number } | { ok: false; modelCalls: number };

/**
 * Finds the WorkflowTaskCompleted event whose workflow task scheduled the Nth model call. Resetting to it
 * replays everything recorded before that task (steps 1..N-1 included) and runs the task again.
 */
export function findForkPoint(events: readonly HistoryEvent[], step: number): ForkPoint {
  const modelCalls = events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === MODEL_CALL_ACTIVITY,
  );
  const scheduled = modelCalls[step - 1];
  const completedId = scheduled?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId;
  if (step < 1 || !scheduled || completedId === undefined || completedId === null) {
    return { ok: false, modelCalls: modelCalls.length };
  }
  return { ok: true, eventId: completedId, modelCalls: modelCalls.length };
}

const args = {
  options: { 'from-step': { type: 'string' }, reason: { type: 'string' } },
  positionals: ['id'],
  flags: z.object({
    'from-step': z.coerce
      .number({ error: 'is required: the step to run again (1 is the first model call)' })
      .int('must be a whole number')
      .min(1, 'must be at least 1'),
    reason: z.string().trim().min(1, 'must not be empty').max(1000).optional(),
  }),
} as const;

export const forkCommand: Command = {
  name: 'fork',
  usage: 'fork <id> --from-step N [--reason TEXT]',
  summary: 'retry a run from step N (a Temporal reset): steps before N are not executed again',
  details: [
    '--from-step N   the model call to run again; steps 1..N-1 are kept from history',
    '                (for a graph run: the Nth model call of the graph itself, its llm and router nodes)',
    '--reason TEXT   why, kept in the run history (default: agentctl fork from step N)',
    'The run keeps its workflow id and gets a new run id; the previous run is terminated if it was open.',
    'Signals sent after the checkpoint (approvals) are not re-applied: decide again in the new run.',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('fork', argv, args);
    const workflowId = positionals[0] as string;
    const step = flags['from-step'];
    const client = await ctx.client();
    const description = await client.workflow.getHandle(workflowId).describe();
    const history = await client.workflow.getHandle(workflowId, description.runId).fetchHistory();
    const point = findForkPoint(history.events ?? [], step);
    if (!point.ok) {
      throw new UserError(
        point.modelCalls
          ? `--from-step ${step} is out of range: run ${workflowId} made ${point.modelCalls} model call${point.modelCalls > 1 ? 's' : ''}, so steps 1 to ${point.modelCalls} can be forked from`
          : `run ${workflowId} has made no model call of its own yet; there is no step to fork from` +
              (description.type === GRAPH_WORKFLOW_TYPE
                ? ' (the agents of a graph call the model in their own child runs)'
                : ''),
      );
    }
    const response: temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse =
      await client.workflowService.resetWorkflowExecution({
        namespace: client.options.namespace,
        workflowExecution: { workflowId, runId: description.runId },
        reason: flags.reason ?? `agentctl fork from step ${step}`,
        workflowTaskFinishEventId: point.eventId,
        requestId: randomUUID(),
        resetReapplyType: RESET_REAPPLY_TYPE_NONE,
      });
    ctx.print(
      [
        `forked ${workflowId} from step ${step}`,
        fields([
          ['new run id', response.runId ?? '?'],
          ['previous run', description.runId],
          ['reset to event', String(point.eventId)],
          ['web ui', webUiLink(ctx.settings.webUiUrl, ctx.settings.namespace, workflowId)],
        ]),
        `\nnext: agentctl watch ${workflowId}`,
      ].join('\n'),
    );
  },
};
