/**
 * Long runs on a real dev server: agentWorkflow continues as new after a configured number of steps, carries
 * its ledger and its conversation (by reference) to the next run, keeps every run's history small, and loses
 * no approval at the boundary. agentctl and the client follow the run chain.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import {
  AGENT_WORKFLOW_TYPE,
  agentInputSchema,
  decideUpdate,
  stateQuery,
  type AgentResult,
  type PendingApproval,
} from '../../src/contracts/agent-contract';
import { parseScenario } from '../../src/servers/mock-llm/scenario';
import type { agentWorkflow } from '../../src/workflows';
import { agentctl, agentctlEnv, spawnAgentctl } from '../helpers/agentctl';
import { workflowBundle, type TestStack, startTestStack, useTestStack } from '../helpers/stack';

let n = 0;
const stack = useTestStack();

const id = (what: string) => `long-runs-${process.pid}-${what}-${++n}`;

/** Every run of a workflow id, oldest first, with its status and history. */
async function runsOf(workflowId: string) {
  const runs: { runId: string; status: string }[] = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push({ runId: w.runId, status: w.status.name });
  runs.reverse();
  return Promise.all(
    runs.map(async (r) => ({
      ...r,
      history: await stack.client.workflow.getHandle(workflowId, r.runId).fetchHistory(),
    })),
  );
}

/** The pending approvals, once there are some other than `decided` (a decision takes a moment to apply). */
async function pendingOf(handle: WorkflowHandle, decided?: string): Promise<PendingApproval[]> {
  for (let i = 0; i < 300; i++) {
    const pending = (await handle.query(stateQuery)).pendingApprovals.filter((p) => p.approvalId !== decided);
    if (pending.length) return pending;
    await sleep(100);
  }
  return assert.fail('nothing became pending');
}

describe('scenario repeat', () => {
  it('expands a repeated turn into that many turns and refuses a bad count, naming the field', () => {
    const s = parseScenario({ turns: [{ text: 'a', repeat: 3 }, { text: 'b' }] }, 'x');
    assert.deepEqual(
      s.turns?.map((t) => t.text),
      ['a', 'a', 'a', 'b'],
    );
    assert.throws(() => parseScenario({ turns: [{ text: 'a', repeat: 0 }] }, 'x'), /turns\.0\.repeat/);
  });

  it('agent input refuses a bad continueAsNewAfterSteps and a malformed carryOver, naming the field', () => {
    const base = { instructions: 'i', input: 'go', model: 'mock:hello' };
    const bad = agentInputSchema.safeParse({ ...base, continueAsNewAfterSteps: 0 });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['continueAsNewAfterSteps']);
    const carry = agentInputSchema.safeParse({ ...base, carryOver: { runs: 1, step: -1 } });
    assert.equal(carry.success, false);
    assert.equal(carry.error?.issues[0]?.path[0], 'carryOver');
  });
});

describe('long runs', () => {
  it('a 300-step loop continues as new twice, with exact totals and small histories', async () => {
    const workflowId = id('loop');
    stack.mock.clearLog();
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          agent: 'looper',
          instructions: 'Calculate until done.',
          input: 'Add one and one, many times.',
          model: 'mock:long-loop',
          tools: ['calculator'],
          maxSteps: 400,
          continueAsNewAfterSteps: 100,
        },
      ],
    });
    // The handle from start() follows the chain of runs to the last one's result.
    const result = await handle.result();
    assert.equal(result.text, 'Done after 299 calculations.');
    assert.equal(result.modelCalls, 300);
    assert.equal(result.toolCalls, 299);
    assert.equal(result.runs, 3);

    // The ledger equals the sum of what the mock server reported, over every run.
    const answered = stack.mock.requests.filter((r) => r.outcome === 'ok');
    assert.equal(answered.length, 300);
    const sum = (f: (u: NonNullable<(typeof answered)[number]['usage']>) => number) =>
      answered.reduce((t, r) => t + f(r.usage!), 0);
    assert.equal(
      result.usage.inputTokens,
      sum((u) => u.input),
    );
    assert.equal(
      result.usage.outputTokens,
      sum((u) => u.output),
    );
    assert.equal(
      result.usage.cachedInputTokens,
      sum((u) => u.cached),
    );
    assert.equal(
      result.cost.totalTokens,
      sum((u) => u.input + u.output),
    );
    assert.equal(result.cost.byModel['mock:long-loop']?.calls, 300);
    assert.equal(result.cost.byAgent.looper?.calls, 300);
    // The model saw one growing conversation: the last request held all 300 turns' messages.
    assert.equal(answered[answered.length - 1]?.messageCount, 2 + 2 * 299);

    // The state query of the latest run reports the same totals.
    const state = await stack.client.workflow.getHandle(workflowId).query(stateQuery);
    assert.equal(state.step, 300);
    assert.equal(state.runs, 3);
    assert.deepEqual(state.usage, result.usage);

    // Three runs: two continued as new, the last completed; each history stays small.
    const runs = await runsOf(workflowId);
    assert.deepEqual(
      runs.map((r) => r.status),
      ['CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'COMPLETED'],
    );
    for (const run of runs) {
      const events = run.history.events ?? [];
      assert.ok(events.length < 1500, `run ${run.runId} has ${events.length} events`);
      const bytes = JSON.stringify(run.history).length;
      assert.ok(bytes < 1_500_000, `run ${run.runId} history is ${bytes} bytes`);
    }
    // The conversation travels by reference: the next run's input is small though 200 turns came before.
    for (const run of runs.slice(0, 2)) {
      const last = run.history.events?.[run.history.events.length - 1];
      const attrs = last?.workflowExecutionContinuedAsNewEventAttributes;
      assert.ok(attrs, 'the run ends with a ContinuedAsNew event');
      const inputBytes = (attrs.input?.payloads ?? []).reduce((t, p) => t + (p.data?.length ?? 0), 0);
      assert.ok(inputBytes < 40_000, `the next run's input is ${inputBytes} bytes`);
      assert.match(Buffer.from(attrs.input!.payloads![0]!.data!).toString(), /"kind":"reference"/);
    }

    // Every run replays with today's code.
    for (const run of runs) {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, run.history, workflowId);
    }

    // agentctl follows the chain too.
    const env = agentctlEnv(stack);
    const cliResult = await agentctl(['result', workflowId, '--json'], env);
    assert.equal(cliResult.code, 0, cliResult.stderr);
    const printed = JSON.parse(cliResult.stdout) as AgentResult;
    assert.deepEqual(printed.usage, result.usage);
    const status = await agentctl(['status', workflowId, '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { step: number }).step, 300);
    const table = await agentctl(['status', workflowId], env);
    assert.match(table.stdout, /runs:\s+3 \(continued as new/);
  });

  it('carries the conversation whole when it is not passed by reference, or a context strategy keeps it', async () => {
    stack.mock.addScenario('long-whole', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '5 * 5' } }], repeat: 5 }, { text: 'fin' }],
    });
    const variants = [{ conversationByReference: false }, { context: { strategy: 'truncate', maxTokens: 100_000 } }];
    for (const variant of variants) {
      const workflowId = id('whole');
      stack.mock.clearLog();
      const result = await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [
          {
            instructions: 'Multiply.',
            input: 'Five times five, five times.',
            model: 'mock:long-whole',
            tools: ['calculator'],
            continueAsNewAfterSteps: 2,
            ...(variant as object),
          },
        ],
      });
      assert.equal(result.text, 'fin');
      assert.equal(result.runs, 3);
      const answered = stack.mock.requests.filter((r) => r.outcome === 'ok');
      assert.equal(
        result.usage.inputTokens,
        answered.reduce((t, r) => t + r.usage!.input, 0),
      );
      assert.equal(answered[answered.length - 1]?.messageCount, 2 + 2 * 5);
      const runs = await runsOf(workflowId);
      const carried = runs[0]!.history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!;
      assert.match(Buffer.from(carried.input!.payloads![0]!.data!).toString(), /"kind":"messages"/);
    }
  });

  it('a budget counts across runs: maxToolCalls trips at its limit in the third run', async () => {
    stack.mock.addScenario('long-budget', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '1 + 2' } }], repeat: 8 }, { text: 'x' }],
    });
    const workflowId = id('budget');
    const err = await stack.client.workflow
      .execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [
          {
            instructions: 'Add.',
            input: 'One and two, again and again.',
            model: 'mock:long-budget',
            tools: ['calculator'],
            continueAsNewAfterSteps: 2,
            budget: { maxToolCalls: 5 },
          },
        ],
      })
      .then(
        () => assert.fail('the run should stop over budget'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    assert.equal(err.cause.type, 'BudgetExceeded', err.cause.message);
    const partial = err.cause.details?.[0] as AgentResult;
    assert.equal(partial.toolCalls, 5);
    assert.equal(partial.runs, 3);
    assert.equal(partial.budget?.spent.toolCalls, 5);
  });

  it('an open provider circuit stays open in the next runs, so their calls go straight to the fallback', async () => {
    const queue = `long-runs-routing-${process.pid}`;
    await stack.startWorker({
      taskQueue: queue,
      providers: {
        openai: { apiKey: 'test-not-a-key', baseURL: `${stack.mock.url}/v1` },
        anthropic: { apiKey: 'test-not-a-key', baseURL: stack.mock.url },
      },
    });
    stack.mock.addScenario('long-down', {
      turns: [{ text: 'never', faults: [{ status: 500, message: 'provider down' }], alwaysFail: true }],
    });
    stack.mock.addScenario('long-steady', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }], repeat: 2 }, { text: '42' }],
    });
    stack.mock.clearLog();
    const result = await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: queue,
      workflowId: id('routing'),
      args: [
        {
          instructions: 'Compute.',
          input: 'What is 6 * 7?',
          model: 'openai:long-down',
          fallbackModels: ['anthropic:long-steady'],
          circuitBreaker: { failureThreshold: 2 },
          tools: ['calculator'],
          continueAsNewAfterSteps: 1,
        },
      ],
    });
    assert.equal(result.text, '42');
    assert.equal(result.runs, 3);
    const down = stack.mock.requests.filter((r) => r.scenario === 'long-down');
    assert.equal(down.length, 2, 'only the first run tried the failing provider');
    assert.equal(result.routing?.circuits.openai?.open, true);
    assert.equal(result.routing?.current, 'anthropic:long-steady');
    assert.deepEqual(
      result.routing?.decisions.map((d) => [d.step, d.to]),
      [[1, 'anthropic:long-steady']],
    );
  });

  it('an approval pending on the last step of a run is kept, decided, and the run continues after it', async () => {
    const workflowId = id('approval');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          instructions: 'Write two files.',
          input: 'Write a and b.',
          model: 'mock:long-loop-approval',
          tools: ['calculator', 'write_file'],
          approvalRequiredTools: ['write_file'],
          continueAsNewAfterSteps: 2,
        },
      ],
    });
    const watch = spawnAgentctl(['watch', workflowId, '--interval', '200'], agentctlEnv(stack), 120_000);

    // Step 2 is the last of the first run; its approval holds the run at the boundary.
    const [first] = await pendingOf(stack.client.workflow.getHandle(workflowId));
    assert.equal(first?.approvalId, 'step-2-call-1');
    await sleep(500);
    assert.equal((await runsOf(workflowId)).length, 1, 'no new run while an approval is pending');
    // A signal through the handle start() returned reaches the run that waits.
    await handle.signal('approve', { approvalId: first.approvalId, by: 'ann' });

    // Step 4 is the last of the second run: answered through a handle without a run id (the latest run).
    const latest = stack.client.workflow.getHandle(workflowId);
    const [second] = await pendingOf(latest, first.approvalId);
    // This run holds four messages of its own; the state query's last messages reach back into the first run.
    const shown = (await latest.query(stateQuery)).lastMessages;
    assert.deepEqual(
      shown.map((m) => m.role),
      ['tool', 'assistant', 'tool', 'assistant', 'tool', 'assistant'],
    );
    const toolIds = shown.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : []));
    assert.equal(new Set(toolIds).size, 3, `tool results shown once each: ${toolIds.join(', ')}`);
    assert.equal(second?.approvalId, 'step-4-call-1');
    const answer = await latest.executeUpdate(decideUpdate, {
      args: [{ approvalId: second.approvalId, decision: 'approve', by: 'bob' }],
    });
    assert.equal(answer.decision, 'approved');

    const result = await handle.result();
    assert.equal(result.text, 'Both written.');
    assert.equal(result.runs, 3);
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'long-run/a.txt'), 'utf8'), 'first');
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'long-run/b.txt'), 'utf8'), 'second');
    const writes = result.steps.filter((s) => s.kind === 'tool' && s.name === 'write_file');
    assert.deepEqual(
      writes.map((s) => s.status),
      ['ok', 'ok'],
    );
    assert.deepEqual(
      (await runsOf(workflowId)).map((r) => r.status),
      ['CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'COMPLETED'],
    );

    const watched = await watch.done;
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /completed/);
  });
});

describe('long runs when Temporal suggests continuing as new', () => {
  let small: TestStack;
  before(async () => {
    // A history of 60 events is "long" here, so the server's suggestion comes after a few steps.
    small = await startTestStack({
      serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'],
    });
  });
  after(async () => {
    await small?.stop();
  });

  it('continues as new on continueAsNewSuggested alone, with exact totals', async () => {
    small.mock.addScenario('suggested', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }], repeat: 20 }, { text: '42' }],
    });
    const workflowId = id('suggested');
    const result = await small.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: small.taskQueue,
      workflowId,
      args: [
        {
          instructions: 'Multiply.',
          input: 'Six times seven.',
          model: 'mock:suggested',
          tools: ['calculator'],
          maxSteps: 30,
        },
      ],
    });
    assert.equal(result.text, '42');
    assert.equal(result.modelCalls, 21);
    assert.ok((result.runs ?? 1) >= 2, `runs: ${result.runs}`);
    const answered = small.mock.requests.filter((r) => r.outcome === 'ok');
    assert.equal(
      result.usage.inputTokens,
      answered.reduce((t, r) => t + r.usage!.input, 0),
    );
    assert.equal(
      result.usage.outputTokens,
      answered.reduce((t, r) => t + r.usage!.output, 0),
    );
    const runs: string[] = [];
    for await (const w of small.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      runs.push(w.status.name);
    assert.equal(runs.length, result.runs);
    assert.equal(runs.filter((s) => s === 'CONTINUED_AS_NEW').length, runs.length - 1);
  });
});
