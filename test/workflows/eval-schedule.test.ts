/**
 * Scheduled evals through a real dev server: completed agent runs (played by the mock LLM) are scored by one
 * triggered tick of an eval schedule, which records each score (found by `temporal workflow list --query
 * 'AgentScore < 0.5'`) and raises its alert once; a second tick with nothing new stays quiet. agentctl's
 * `eval schedule`, `eval schedules` and `eval delete` create, list and remove the schedule.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { AGENT_WORKFLOW_TYPE } from '../../src/contracts/agent-contract';
import { EVAL_SCHEDULE_WORKFLOW_TYPE, type EvalScheduleResult } from '../../src/contracts/evals/schedule';
import { triggerEvalSchedule } from '../../src/client/eval-schedules';
import type { agentWorkflow } from '../../src/workflows';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { agentctl, agentctlEnv } from '../helpers/agentctl';
import { capturedLogs, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const stack = useTestStack();
const agent = `geo-${process.pid}`;
const scheduleId = `eval-${agent}`;

async function tickResults(): Promise<EvalScheduleResult[]> {
  const out: EvalScheduleResult[] = [];
  for await (const w of stack.client.workflow.list({
    query: `WorkflowType = '${EVAL_SCHEDULE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'`,
  })) {
    out.push((await stack.client.workflow.getHandle(w.workflowId, w.runId).result()) as EvalScheduleResult);
  }
  return out;
}

describe('scheduled evals', () => {
  it('score sampled runs, record AgentScore, alert once, and are listed and deleted by agentctl', async () => {
    stack.mock.addScenario('sched-good', { turns: [{ text: 'Paris is the capital of France.' }] });
    stack.mock.addScenario('sched-bad', { turns: [{ text: 'I do not know.' }] });
    for (const [i, scenario] of ['sched-good', 'sched-bad', 'sched-bad'].entries()) {
      await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId: `${agent}-run-${i}`,
        args: [{ agent, instructions: 'Answer.', input: 'Capital of France?', model: `mock:${scenario}` }],
      });
    }
    const env = agentctlEnv(stack);
    const created = await agentctl(
      ['eval', 'schedule', agent, '--every', '1h', '--sample', '5', '--scorer', 'contains:Paris', '--threshold', '0.5'],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`scheduled eval ${scheduleId}`));

    const listed = await agentctl(['eval', 'schedules'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${scheduleId}\\s+${agent}\\s+1h\\s+active`));

    // The runs are in visibility a moment after they complete; one tick then scores all three.
    await waitFor('the completed runs in visibility', async () => {
      let n = 0;
      for await (const _ of stack.client.workflow.list({
        query: `AgentName = '${agent}' AND ExecutionStatus = 'Completed'`,
      }))
        n++;
      return n === 3;
    });
    await triggerEvalSchedule(stack.client, scheduleId);
    let results: EvalScheduleResult[] = [];
    await waitFor('the first tick', async () => (results = await tickResults()).length === 1, 60_000);
    const first = results[0]!;
    assert.equal(first.scored.length, 3);
    assert.deepEqual(first.scored.map((s) => s.score).sort(), [0, 0, 1]);
    assert.equal(first.alerts.length, 1);
    assert.equal(first.alerts[0]!.kind, 'threshold');
    assert.ok(Math.abs(first.alerts[0]!.mean - 1 / 3) < 1e-9);

    // The Temporal CLI finds the low scores.
    const cli = await resolveTemporalCli({ allowInstall: false });
    let low: { workflowId?: string; execution?: { workflowId?: string } }[] = [];
    await waitFor('AgentScore in visibility', async () => {
      const { stdout } = await promisify(execFile)(cli.path, [
        'workflow',
        'list',
        '--address',
        stack.address,
        '--namespace',
        stack.namespace,
        '--query',
        `AgentScore < 0.5 AND AgentName = '${agent}'`,
        '--output',
        'json',
      ]);
      low = stdout.trim() ? (JSON.parse(stdout) as typeof low) : [];
      return low.length === 2;
    });
    const ids = low.map((w) => w.execution?.workflowId ?? w.workflowId ?? '').sort();
    assert.deepEqual(ids, [`agent-score--${scheduleId}--${agent}-run-1`, `agent-score--${scheduleId}--${agent}-run-2`]);

    // A second tick: nothing new to score, the mean stays below the threshold, and no second alert.
    await triggerEvalSchedule(stack.client, scheduleId);
    await waitFor('the second tick', async () => (results = await tickResults()).length === 2, 60_000);
    assert.equal(
      results.reduce((a, r) => a + r.alerts.length, 0),
      1,
    );
    assert.equal(
      results.reduce((a, r) => a + r.scored.length, 0),
      3,
    );
    await waitFor('the alert log line', () => capturedLogs.some((l) => l.msg === 'eval schedule alert'));
    assert.equal(capturedLogs.filter((l) => l.msg === 'eval schedule alert').length, 1);

    const deleted = await agentctl(['eval', 'delete', scheduleId], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    const after = await agentctl(['eval', 'schedules'], env);
    assert.equal(after.code, 0, after.stderr);
    assert.doesNotMatch(after.stdout, new RegExp(scheduleId));
  });
});
