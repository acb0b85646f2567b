/**
 * agentWorkflow end to end: a real Temporal dev server, a real worker, the real OpenAI client talking to
 * the shipped mock LLM server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import {
  AGENT_WORKFLOW_TYPE,
  approveSignal,
  rejectSignal,
  stateQuery,
  type AgentInput,
  type AgentResult,
} from '../../src/contracts/agent-contract';
import type { agentWorkflow } from '../../src/workflows';
import { logsOf, useTestStack } from '../helpers/stack';

let runCounter = 0;

const stack = useTestStack();

function start(input: Partial<AgentInput> & { model: string }) {
  return stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: `agent-test-${process.pid}-${++runCounter}`,
    args: [
      {
        agent: 'tester',
        instructions: 'You are a test agent.',
        input: 'Compute things.',
        tools: ['calculator'],
        ...input,
      },
    ],
  });
}

/** Polls until the condition holds; fails the test with a message after the deadline. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const requestsFor = (scenario: string) => stack.mock.requests.filter((r) => r.scenario === scenario);

describe('agentWorkflow', () => {
  it('answers after two tool calls, visible through the state query and the result', async () => {
    stack.mock.addScenario('t-two-tools', {
      turns: [
        { toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 3' } }], usage: { input: 100, output: 10 } },
        { toolCalls: [{ name: 'calculator', arguments: { expression: '5 * 7' } }], usage: { input: 130, output: 12 } },
        { text: 'The answer is 35.', usage: { input: 160, output: 8 } },
      ],
    });
    const handle = await start({ model: 'mock:t-two-tools' });
    const result: AgentResult = await handle.result();

    assert.equal(result.text, 'The answer is 35.');
    assert.equal(result.modelCalls, 3);
    assert.equal(result.toolCalls, 2);
    assert.deepEqual(result.usage, { inputTokens: 390, outputTokens: 30, cachedInputTokens: 0 });
    const toolSteps = result.steps.filter((s) => s.kind === 'tool');
    assert.deepEqual(
      toolSteps.map((s) => [s.name, s.status, s.summary]),
      [
        ['calculator', 'ok', '5'],
        ['calculator', 'ok', '35'],
      ],
    );

    const state = await handle.query(stateQuery);
    assert.equal(state.status, 'completed');
    assert.equal(state.step, 3);
    assert.equal(state.steps.length, 5);
    assert.equal(state.usage.inputTokens + state.usage.outputTokens, 420);
    assert.ok(state.cost.totalUsd > 0, 'mock models are priced');
    assert.equal(state.lastMessages.at(-1)?.content, 'The answer is 35.');

    // Worker logs are structured and carry the run, the activity and the model.
    // Log lines reach the capture asynchronously (workflow lines through the sandbox's sink), so wait for both.
    const lines = await logsOf(
      handle.workflowId,
      (ls) => ls.some((l) => l.msg === 'model call finished') && ls.some((l) => l.msg === 'model answered'),
    );
    const modelLog = lines.find((l) => l.msg === 'model call finished');
    assert.ok(modelLog, 'a model call log line for this run');
    assert.equal(modelLog.workflowRunId, handle.firstExecutionRunId);
    assert.equal(modelLog.activityType, 'callModel');
    assert.equal(modelLog.model, 'mock:t-two-tools');
    const workflowLog = lines.find((l) => l.msg === 'model answered');
    assert.equal(workflowLog?.runId, handle.firstExecutionRunId);

    // The model saw each tool result before its next turn.
    const requests = requestsFor('t-two-tools');
    assert.deepEqual(
      requests.map((r) => r.turn),
      [0, 1, 2],
    );
  });

  it('runs several tool calls of one turn in parallel and returns results in order', async () => {
    stack.mock.addScenario('t-parallel', {
      turns: [
        {
          toolCalls: [
            { name: 'calculator', arguments: { expression: '6 * 7' } },
            { name: 'search_knowledge_base', arguments: { query: 'retry policy rate limit' } },
          ],
        },
        { text: 'done' },
      ],
    });
    const handle = await start({ model: 'mock:t-parallel', tools: ['calculator', 'search_knowledge_base'] });
    const result = await handle.result();
    assert.equal(result.text, 'done');
    const events = (await handle.fetchHistory()).events ?? [];
    const toolScheduled = events
      .map((e, index) => ({ index, type: e.activityTaskScheduledEventAttributes?.activityType?.name }))
      .filter((x) => x.type?.startsWith('tool:'));
    assert.deepEqual(
      toolScheduled.map((x) => x.type),
      ['tool:calculator', 'tool:search_knowledge_base'],
    );
    const firstToolCompleted = events.findIndex(
      (e, index) => index > (toolScheduled[0]?.index ?? 0) && e.activityTaskCompletedEventAttributes,
    );
    assert.ok(
      toolScheduled.every((x) => x.index < firstToolCompleted),
      'both tool activities were scheduled before either completed',
    );
    assert.deepEqual(
      result.steps.filter((s) => s.kind === 'tool').map((s) => s.name),
      ['calculator', 'search_knowledge_base'],
    );
  });

  it('runs the same agent on the Anthropic wire format with the same result', async () => {
    const anthropicQueue = `${stack.taskQueue}-anthropic`;
    await stack.startWorker({ taskQueue: anthropicQueue, mockWire: 'anthropic' });
    const results: AgentResult[] = [];
    for (const taskQueue of [stack.taskQueue, anthropicQueue]) {
      results.push(
        await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
          taskQueue,
          workflowId: `agent-test-${process.pid}-wire-${taskQueue}`,
          args: [
            { instructions: 'test', input: 'Compute things.', model: 'mock:two-tool-calls', tools: ['calculator'] },
          ],
        }),
      );
    }
    const [viaOpenAI, viaAnthropic] = results;
    assert.equal(viaAnthropic?.text, 'The answer is 35.');
    assert.deepEqual(
      viaAnthropic?.steps.map((s) => [s.kind, s.name, s.status, s.summary]),
      viaOpenAI?.steps.map((s) => [s.kind, s.name, s.status, s.summary]),
    );
    const wires = new Set(requestsFor('two-tool-calls').map((r) => r.wire));
    assert.deepEqual([...wires].sort(), ['anthropic', 'openai']);
  });

  it('returns structured output, sending an answer that breaks the schema back once', async () => {
    stack.mock.addScenario('t-structured', {
      turns: [{ text: '{"verdict": "great"}' }, { text: '```json\n{"verdict": "great", "score": 9}\n```' }],
    });
    const handle = await start({
      model: 'mock:t-structured',
      tools: [],
      outputSchema: {
        type: 'object',
        properties: { verdict: { type: 'string' }, score: { type: 'number' } },
        required: ['verdict', 'score'],
      },
    });
    const result = await handle.result();
    assert.deepEqual(result.output, { verdict: 'great', score: 9 });
    assert.equal(result.modelCalls, 2);
    assert.match(requestsFor('t-structured')[1]?.lastUserOrToolContent ?? '', /score/);
  });

  it('retries a 429 after its retry-after, then completes; the model activity ran twice', async () => {
    stack.mock.addScenario('t-429', {
      turns: [{ text: 'finally', faults: [{ status: 429, retryAfterSeconds: 1 }] }],
    });
    const handle = await start({ model: 'mock:t-429', tools: [] });
    const result = await handle.result();
    assert.equal(result.text, 'finally');
    assert.deepEqual(
      requestsFor('t-429').map((r) => r.outcome),
      ['fault:429', 'ok'],
    );
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes?.attempt);
    assert.deepEqual(attempts, [2], 'one recorded start, on attempt 2');
    const [first, second] = requestsFor('t-429');
    const gapMs = Date.parse(second!.at) - Date.parse(first!.at);
    assert.ok(gapMs >= 900, `second attempt waited for retry-after (gap ${gapMs} ms)`);
  });

  it('fails at once with AuthFailed on a 401, without retrying', async () => {
    stack.mock.addScenario('t-401', {
      turns: [{ text: 'never', faults: [{ status: 401 }, { status: 401 }, { status: 401 }, { status: 401 }] }],
    });
    const handle = await start({ model: 'mock:t-401', tools: [] });
    const err = await handle.result().then(
      () => assert.fail('run should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ActivityFailure, 'cause is the model activity');
    assert.ok(err.cause.cause instanceof ApplicationFailure);
    assert.equal(err.cause.cause.type, 'AuthFailed');
    assert.equal(err.cause.cause.nonRetryable, true);
    assert.equal(requestsFor('t-401').length, 1, 'no retry of an auth failure');
    const state = await handle.query(stateQuery);
    assert.equal(state.status, 'failed');
  });

  it('refuses invalid input with a message naming the field', async () => {
    const handle = await start({ model: 'mock:whatever', tools: ['rm_rf'] });
    const err = await handle.result().then(
      () => assert.fail('run should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'InvalidAgentInput');
    assert.match(err.cause.message, /tools: unknown tool\(s\) rm_rf/);
  });

  it('feeds malformed tool arguments back to the model, which recovers', async () => {
    stack.mock.addScenario('t-malformed', {
      turns: [
        { toolCalls: [{ name: 'calculator', rawArguments: '{"expression": "2 +' }] },
        { toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 2' } }] },
        { text: 'It is 4.' },
      ],
    });
    const handle = await start({ model: 'mock:t-malformed' });
    const result = await handle.result();
    assert.equal(result.text, 'It is 4.');
    const [badCall, goodCall] = result.steps.filter((s) => s.kind === 'tool');
    assert.equal(badCall?.status, 'error');
    assert.match(badCall?.summary ?? '', /ToolArgumentsInvalid/);
    assert.equal(goodCall?.summary, '4');
  });

  it('offers and runs only the tools in the agent spec', async () => {
    stack.mock.addScenario('t-unlisted-tool', {
      turns: [{ toolCalls: [{ name: 'write_file', arguments: { path: 'x.txt', content: 'pwned' } }] }, { text: 'ok' }],
    });
    const handle = await start({ model: 'mock:t-unlisted-tool', tools: ['calculator'] });
    const result = await handle.result();
    assert.equal(result.toolCalls, 0);
    assert.equal(result.steps.find((s) => s.kind === 'tool')?.status, 'error');
    assert.equal(fs.existsSync(path.join(stack.workspaceDir, 'x.txt')), false);
  });

  it('waits durably for approval of a gated tool; approve runs it, reject tells the model', async () => {
    stack.mock.addScenario('t-gated', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'gated/one.md', content: 'first' } }] },
        { toolCalls: [{ name: 'write_file', arguments: { path: 'gated/two.md', content: 'second' } }] },
        { text: 'wrote one file' },
      ],
    });
    const handle = await start({
      model: 'mock:t-gated',
      tools: ['write_file'],
      approvalRequiredTools: ['write_file'],
    });
    await waitFor('the first approval', async () => (await handle.query(stateQuery)).pendingApprovals.length === 1);
    const waiting = await handle.query(stateQuery);
    assert.equal(waiting.status, 'awaiting_approval');
    assert.equal(waiting.pendingApprovals[0]?.what, 'tool write_file');
    assert.match(waiting.pendingApprovals[0]?.proposed ?? '', /gated\/one\.md/);
    assert.equal(
      fs.existsSync(path.join(stack.workspaceDir, 'gated/one.md')),
      false,
      'nothing written before approval',
    );

    await handle.signal(approveSignal, { by: 'alice' });
    await handle.signal(approveSignal, { by: 'alice' }); // a repeated approval changes nothing
    await waitFor('the second approval', async () => {
      const s = await handle.query(stateQuery);
      return (
        s.pendingApprovals.length === 1 && s.pendingApprovals[0]?.approvalId !== waiting.pendingApprovals[0]?.approvalId
      );
    });
    const second = await handle.query(stateQuery);
    await handle.signal(rejectSignal, {
      approvalId: second.pendingApprovals[0]?.approvalId,
      reason: 'one file is enough',
    });

    const result = await handle.result();
    assert.equal(result.text, 'wrote one file');
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'gated/one.md'), 'utf8'), 'first');
    assert.equal(fs.existsSync(path.join(stack.workspaceDir, 'gated/two.md')), false);
    const lastRequest = requestsFor('t-gated').at(-1);
    assert.match(lastRequest?.lastUserOrToolContent ?? '', /rejected.*one file is enough/);
  });

  it('survives a worker stop after the first model call: a new worker finishes without resending it', async () => {
    stack.mock.addScenario('t-worker-restart', {
      turns: [
        { toolCalls: [{ name: 'calculator', arguments: { expression: '1 + 1' } }] },
        { text: 'survived', delayMs: 3000 },
      ],
    });
    // This run gets a worker of its own, so stopping it leaves the shared worker alone.
    const isolatedQueue = `${stack.taskQueue}-restart`;
    const first = await stack.startWorker({ taskQueue: isolatedQueue, shutdownGraceTime: '500ms' });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: isolatedQueue,
      workflowId: `agent-test-${process.pid}-restart`,
      args: [
        { agent: 'tester', instructions: 'test', input: 'go', model: 'mock:t-worker-restart', tools: ['calculator'] },
      ],
    });
    await waitFor('the second model call to start', () => requestsFor('t-worker-restart').some((r) => r.turn === 1));
    await first.stop();

    await stack.startWorker({ taskQueue: isolatedQueue });
    const result = await handle.result();
    assert.equal(result.text, 'survived');
    const turns = requestsFor('t-worker-restart').map((r) => r.turn);
    assert.equal(turns.filter((t) => t === 0).length, 1, 'the completed first model call was not sent again');
    assert.ok(turns.filter((t) => t === 1).length >= 2, 'the interrupted call was retried on the new worker');
  });
});
