/**
 * Activities of scheduled evals, through the worker's own Temporal client (`Context.current().client`):
 * `sampleScheduledRuns` finds completed runs of the agent not yet scored by this schedule (a visibility query)
 * and reads the schedule's recorded scores; `recordAgentScore` starts the run's score record, a run that carries
 * `AgentScore` and `AgentName` so `temporal workflow list --query 'AgentScore < 0.5'` finds it. A closed run's
 * own search attributes cannot change, so the score lives beside the run, in a record named after it.
 */
import { Context, log } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, type AgentResult } from '../../contracts/agent-contract';
import {
  AGENT_SCORE_RECORD_WORKFLOW_TYPE,
  scoreRecordId,
  type SampledRun,
  type ScheduleSample,
  type ScoreRecordInput,
  type ValidEvalScheduleInput,
} from '../../contracts/evals/schedule';
import { agentNameKey, agentScoreKey } from '../../contracts/search-attributes';
import { boundedText } from '../../contracts/bounded-text';

/** Most recorded scores read per tick (the rolling window and the baseline come from these). */
const HISTORY_LIMIT = 1_000;
/** Most candidate runs looked at per tick before the sample is full. */
const CANDIDATE_LIMIT = 1_000;
const OUTPUT_CHARS = 4_000;

function factsOf(result: AgentResult, latencyMs: number): SampledRun['facts'] {
  const output = result.output !== undefined ? JSON.stringify(result.output) : result.text;
  return {
    status: 'completed',
    output: boundedText(typeof result.output === 'string' ? result.output : output, OUTPUT_CHARS),
    ...(result.output !== undefined ? { structured: result.output } : {}),
    toolCalls: (result.steps ?? [])
      .filter((s) => s.kind === 'tool')
      .map((s) => ({ name: s.name, arguments: s.arguments ?? s.summary })),
    steps: result.modelCalls,
    costUsd: result.cost?.totalUsd ?? 0,
    latencyMs,
  };
}

export function createEvalScheduleActivities() {
  return {
    async sampleScheduledRuns(input: ValidEvalScheduleInput): Promise<ScheduleSample> {
      const client = Context.current().client;
      const prefix = scoreRecordId(input.scheduleId, '');
      const history: number[] = [];
      const scored = new Set<string>();
      // Ids and names are validated to a safe alphabet (schedule contract), so they can sit inside the query.
      for await (const record of client.workflow.list({
        query: `WorkflowType = '${AGENT_SCORE_RECORD_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${prefix}'`,
      })) {
        scored.add(record.workflowId.slice(prefix.length));
        const score = record.typedSearchAttributes.get(agentScoreKey);
        if (typeof score === 'number') history.push(score);
        if (history.length >= HISTORY_LIMIT) break;
      }
      const runs: SampledRun[] = [];
      let looked = 0;
      for await (const run of client.workflow.list({
        query: `WorkflowType = '${AGENT_WORKFLOW_TYPE}' AND AgentName = '${input.agent}' AND ExecutionStatus = 'Completed'`,
      })) {
        if (runs.length >= input.sample || ++looked > CANDIDATE_LIMIT) break;
        if (scored.has(run.workflowId)) continue;
        const result = (await client.workflow.getHandle(run.workflowId, run.runId).result()) as AgentResult;
        const latencyMs = run.closeTime ? run.closeTime.getTime() - run.startTime.getTime() : 0;
        runs.push({ workflowId: run.workflowId, runId: run.runId, facts: factsOf(result, latencyMs) });
        Context.current().heartbeat(runs.length);
      }
      return { runs, history };
    },

    async recordAgentScore(record: ScoreRecordInput): Promise<void> {
      const { client, info } = { client: Context.current().client, info: Context.current().info };
      try {
        await client.workflow.start(AGENT_SCORE_RECORD_WORKFLOW_TYPE, {
          workflowId: scoreRecordId(record.scheduleId, record.workflowId),
          taskQueue: info.taskQueue,
          args: [record],
          typedSearchAttributes: [
            { key: agentNameKey, value: record.agent },
            { key: agentScoreKey, value: record.score },
          ],
          staticSummary: `score ${record.score.toFixed(3)} of ${record.workflowId}`,
        });
      } catch (err) {
        // A retried attempt finds the record its first attempt made: the score is recorded once.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        log.info('score already recorded', { workflowId: record.workflowId });
      }
    },
  };
}

export type EvalScheduleActivities = ReturnType<typeof createEvalScheduleActivities>;
