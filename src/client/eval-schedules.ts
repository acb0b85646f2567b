/**
 * Scheduled evals through the client API: a Temporal Schedule per eval schedule, starting `evalScheduleWorkflow`
 * every interval on the client's task queue. agentctl's `eval schedule`, `eval schedules` and `eval delete` call
 * these; they make no Temporal calls of their own.
 */
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  EVAL_SCHEDULE_WORKFLOW_TYPE,
  evalScheduleInputSchema,
  type EvalScheduleInput,
  type ValidEvalScheduleInput,
} from '../contracts/evals/schedule';
import { issueLines } from '../contracts/zod-issues';
import { InvalidRunInputError } from './errors';

/** One eval schedule as `listEvalSchedules` reports it. */
export interface EvalScheduleSummary {
  scheduleId: string;
  agent?: string;
  every?: string;
  paused: boolean;
  /** Start times of the schedule's most recent runs, newest first. */
  recentRuns: Date[];
  nextRun?: Date;
}

/** Creates the schedule (`every`: a Temporal duration such as `1h`); throws InvalidRunInputError for bad input. */
export async function createEvalSchedule(
  client: Client,
  taskQueue: string,
  raw: EvalScheduleInput,
  every: string,
): Promise<ValidEvalScheduleInput> {
  const parsed = evalScheduleInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRunInputError(`invalid eval schedule: ${issueLines(parsed.error.issues).join('; ')}`);
  }
  const input = parsed.data;
  await client.schedule.create({
    scheduleId: input.scheduleId,
    spec: { intervals: [{ every: every as `${number}${'s' | 'm' | 'h' | 'd'}` }] },
    // A tick still running when the next is due: skip the next (ticks score the same runs otherwise).
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    action: {
      type: 'startWorkflow',
      workflowType: EVAL_SCHEDULE_WORKFLOW_TYPE,
      workflowId: `eval-schedule--${input.scheduleId}`,
      taskQueue,
      args: [input],
    },
    memo: { kind: 'eval-schedule', agent: input.agent, every },
  });
  return input;
}

/** Eval schedules (those made by createEvalSchedule), in the server's order. */
export async function listEvalSchedules(client: Client): Promise<EvalScheduleSummary[]> {
  const out: EvalScheduleSummary[] = [];
  for await (const s of client.schedule.list()) {
    const memo = (s.memo ?? {}) as { kind?: unknown; agent?: unknown; every?: unknown };
    if (memo.kind !== 'eval-schedule') continue;
    out.push({
      scheduleId: s.scheduleId,
      ...(typeof memo.agent === 'string' ? { agent: memo.agent } : {}),
      ...(typeof memo.every === 'string' ? { every: memo.every } : {}),
      paused: s.state.paused,
      recentRuns: s.info.recentActions.map((a) => a.takenAt).reverse(),
      ...(s.info.nextActionTimes[0] ? { nextRun: s.info.nextActionTimes[0] } : {}),
    });
  }
  return out;
}

/** Deletes an eval schedule (its past ticks and score records stay). */
export async function deleteEvalSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}

/** Starts one tick now, whatever the interval says. */
export async function triggerEvalSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
}
