/**
 * `evalScheduleWorkflow`: one tick of a scheduled eval (a Temporal Schedule starts it every interval). It samples
 * completed runs of the agent not yet scored by this schedule, scores each with the eval scorers (the
 * `scoreEvalCase` activity), records each score (a score record run with `AgentScore`), and raises an alert when
 * the rolling mean crosses the threshold or drops past its baseline: a log line and a metric always, a webhook
 * when the schedule names a subscription. Whether a condition is newly crossed is computed from the scores before
 * and after this tick (contracts/evals/schedule.ts), so an alert is raised once per crossing.
 *
 * `agentScoreRecordWorkflow` is the score record itself: it only ends, carrying its search attributes.
 */
import {
  ApplicationFailure,
  isCancellation,
  log,
  metricMeter,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import {
  alertsOf,
  evalScheduleInputSchema,
  rollingStats,
  type EvalAlert,
  type EvalScheduleInput,
  type EvalScheduleResult,
  type ScoreRecordInput,
  type ValidEvalScheduleInput,
} from '../../contracts/evals/schedule';
import { ErrorType, nonRetryableErrorTypes } from '../../contracts/errors';
import { webhookMessageId } from '../../contracts/webhooks';
import { issueLines } from '../../contracts/zod-issues';
import type { EvalScheduleActivities } from '../../activities/evals/schedule';
import type { WebhookActivities } from '../../activities/webhooks';
import { scoreEvalCaseActivity } from '../kernel/activities';

const { sampleScheduledRuns } = proxyActivities<EvalScheduleActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '60s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes },
});
const { recordAgentScore } = proxyActivities<EvalScheduleActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10, nonRetryableErrorTypes },
});
const { deliverWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes },
});

function validInput(raw: unknown): ValidEvalScheduleInput {
  const parsed = evalScheduleInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidEvalInput,
      message: `invalid eval schedule input: ${issueLines(parsed.error.issues, { root: '(input)' }).slice(0, 20).join('; ')}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}

async function raise(input: ValidEvalScheduleInput, alert: EvalAlert): Promise<void> {
  log.warn('eval schedule alert', { ...alert });
  metricMeter
    .createCounter('durable_agents_eval_alerts_total', 'alerts', 'Alerts raised by scheduled evals')
    .add(1, { agent: alert.agent, schedule: alert.scheduleId, kind: alert.kind });
  if (!input.webhook) return;
  const { workflowId, runId } = workflowInfo();
  try {
    await deliverWebhook({
      subscription: input.webhook,
      webhookId: webhookMessageId(workflowId, runId, `eval.alert:${alert.kind}`),
      payload: { type: 'eval.alert', timestamp: new Date().toISOString(), data: { ...alert } },
    });
  } catch (err) {
    // The log line and the metric already tell of the alert; a receiver that stays down does not fail the tick.
    if (isCancellation(err)) throw err;
    log.warn('eval alert webhook failed', { subscription: input.webhook, error: (err as Error).message });
  }
}

export async function evalScheduleWorkflow(rawInput: EvalScheduleInput): Promise<EvalScheduleResult> {
  const input = validInput(rawInput);
  const sample = await sampleScheduledRuns(input);
  const scored: EvalScheduleResult['scored'] = [];
  for (const run of sample.runs) {
    const scores = await scoreEvalCaseActivity(
      { caseInput: '', expected: undefined, metadata: {}, facts: run.facts, scorers: input.scorers, judgeReplies: {} },
      `score ${run.workflowId}`,
    );
    const score = scores.length ? scores.reduce((a, s) => a + s.score, 0) / scores.length : 0;
    const record: ScoreRecordInput = {
      scheduleId: input.scheduleId,
      agent: input.agent,
      workflowId: run.workflowId,
      runId: run.runId,
      score,
    };
    await recordAgentScore(record);
    scored.push({ workflowId: run.workflowId, score });
  }
  // Newest first: this tick's scores (the last scored is the newest) before the recorded ones.
  const fresh = scored.map((s) => s.score).reverse();
  const alerts = alertsOf(input, sample.history, fresh);
  for (const alert of alerts) await raise(input, alert);
  const stats = rollingStats([...fresh, ...sample.history], input.window);
  log.info('eval schedule tick', { schedule: input.scheduleId, scored: scored.length, ...stats });
  return { scored, ...stats, alerts };
}

/** A run's score under a schedule, in its search attributes (set at start); the record only ends. */
export async function agentScoreRecordWorkflow(record: ScoreRecordInput): Promise<ScoreRecordInput> {
  return record;
}
