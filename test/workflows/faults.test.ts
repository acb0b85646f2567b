/**
 * Mock LLM faults against a real dev server and worker: a storm of 429s with retry-after, 5xx replies, a reply
 * slower than the model timeout, malformed tool arguments. Each run either completes, or ends in a failure
 * with a stable type that a caller can act on; the mock server's log shows what each attempt met.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, type AgentInput } from '../../src/contracts/agent-contract';
import { ErrorType } from '../../src/contracts/errors';
import type { Scenario } from '../../src/servers/mock-llm/scenario';
import type { agentWorkflow } from '../../src/workflows';
import { readEffects, tools } from '../fixtures/effect-tools';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let effectLog: string;
let counter = 0;

before(async () => {
  effectLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'da-faults-')), 'effects.log');
  process.env.EFFECT_LOG = effectLog;
  stack = await startTestStack({ tools });
});
after(async () => {
  await stack?.stop();
  fs.rmSync(path.dirname(effectLog), { recursive: true, force: true });
});

/** Plays a scenario under a fresh name and starts a run on it. */
async function run(scenario: Scenario, extra: Partial<AgentInput> = {}) {
  const name = `fault-${++counter}`;
  stack.mock.addScenario(name, scenario);
  const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: `faults-${process.pid}-${counter}`,
    args: [
      { agent: 'fault-tester', instructions: 'You are a test agent.', input: 'go', model: `mock:${name}`, ...extra },
    ],
  });
  return { handle, requests: () => stack.mock.requests.filter((r) => r.scenario === name) };
}

/** The failure type at the bottom of a WorkflowFailedError → ActivityFailure → ApplicationFailure chain. */
async function failureOf(result: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const err = await result.then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  let cause: unknown = err.cause;
  if (cause instanceof ActivityFailure) cause = cause.cause;
  assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(cause)}`);
  return { type: cause.type ?? undefined, message: cause.message };
}

describe('model faults', () => {
  it('rides out a storm of 429s, waiting the retry-after each time, then completes', async () => {
    const { handle, requests } = await run({
      turns: [
        {
          text: 'made it through',
          faults: [
            { status: 429, retryAfterSeconds: 1 },
            { status: 429, retryAfterMs: 1200 },
            { status: 429, retryAfterSeconds: 1 },
            { status: 429, retryAfterSeconds: 1 },
            { status: 429, retryAfterSeconds: 1 },
          ],
        },
      ],
    });
    const result = await handle.result();
    assert.equal(result.text, 'made it through');
    const outcomes = requests().map((r) => r.outcome);
    assert.deepEqual(outcomes, ['fault:429', 'fault:429', 'fault:429', 'fault:429', 'fault:429', 'ok']);
    // Each retry waited at least the provider's retry-after (a lower bound, not a timing benchmark).
    const times = requests().map((r) => Date.parse(r.at));
    for (let i = 1; i < times.length; i++) {
      assert.ok((times[i] as number) - (times[i - 1] as number) >= 950, `attempt ${i + 1} came too early`);
    }
  });

  it('retries 500, 503 and 529 replies, then completes', async () => {
    const { handle, requests } = await run({
      turns: [{ text: 'the provider recovered', faults: [{ status: 500 }, { status: 503 }, { status: 529 }] }],
    });
    assert.equal((await handle.result()).text, 'the provider recovered');
    assert.deepEqual(
      requests().map((r) => r.outcome),
      ['fault:500', 'fault:503', 'fault:529', 'ok'],
    );
  });

  it('cuts off a reply slower than modelTimeout and retries it; the run completes', async () => {
    const { handle, requests } = await run(
      { turns: [{ text: 'fast enough the second time', faults: [{ delayMs: 6000 }] }] },
      { modelTimeout: '2s' },
    );
    assert.equal((await handle.result()).text, 'fast enough the second time');
    const attempts = requests();
    assert.equal(attempts.length, 2, JSON.stringify(attempts.map((r) => r.outcome)));
    assert.equal(attempts.filter((r) => r.outcome === 'ok').length, 1, 'one answered attempt');
    const history = await handle.fetchHistory();
    const retried = history.events?.find((e) => e.activityTaskStartedEventAttributes?.attempt === 2);
    // The second attempt records why the first one ended: a start-to-close timeout.
    assert.ok(
      retried?.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo,
      `attempt 2 follows a timeout: ${JSON.stringify(retried?.activityTaskStartedEventAttributes?.lastFailure)}`,
    );
  });

  it('gives up after modelMaxAttempts on a provider that stays down, ending in its typed failure', async () => {
    const { handle, requests } = await run(
      { turns: [{ text: 'never', alwaysFail: true, faults: [{ status: 503, message: 'provider down' }] }] },
      { modelMaxAttempts: 3 },
    );
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, ErrorType.ProviderUnavailable);
    assert.deepEqual(
      requests().map((r) => r.outcome),
      ['fault:503', 'fault:503', 'fault:503'],
    );
  });

  it('refuses a modelTimeout that is not a duration, naming the field', async () => {
    const { handle } = await run({ turns: [{ text: 'never' }] }, { modelTimeout: 'soon' });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, ErrorType.InvalidAgentInput);
    assert.match(failure.message, /modelTimeout/);
  });

  it('ends in a typed, non-retried failure for a request the provider will never accept', async () => {
    const { handle, requests } = await run({
      turns: [{ text: 'never', alwaysFail: true, faults: [{ status: 400, code: 'context_length_exceeded' }] }],
    });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, ErrorType.ContextLengthExceeded);
    assert.equal(requests().length, 1, 'not retried');
  });
});

describe('malformed tool arguments', () => {
  it('go back to the model, which corrects them; the side-effecting tool takes effect once, with good arguments', async () => {
    const { handle, requests } = await run(
      {
        turns: [
          { toolCalls: [{ name: 'record_effect', rawArguments: '{"note": "half' }] },
          { toolCalls: [{ name: 'record_effect', arguments: { note: 42 } }] },
          { toolCalls: [{ name: 'record_effect', arguments: { note: 'fixed' } }] },
          { text: 'recorded at last' },
        ],
      },
      { tools: ['record_effect'] },
    );
    assert.equal((await handle.result()).text, 'recorded at last');
    const toolResults = requests().map((r) => r.lastUserOrToolContent);
    assert.match(toolResults[1] ?? '', /ToolArgumentsInvalid.*not valid JSON/);
    assert.match(toolResults[2] ?? '', /ToolArgumentsInvalid.*note/);
    const mine = readEffects(effectLog).filter((e) => e.key.startsWith(handle.workflowId));
    assert.deepEqual(
      mine.map((e) => e.note),
      ['fixed'],
    );
  });

  it('that never get fixed end the run with MaxStepsExceeded, and the tool never runs', async () => {
    const bad = { toolCalls: [{ name: 'record_effect', rawArguments: 'not json at all' }] };
    const { handle } = await run({ turns: [bad, bad, bad] }, { tools: ['record_effect'], maxSteps: 3 });
    const err = await handle.result().then(
      () => assert.fail('the run should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, ErrorType.MaxStepsExceeded);
    assert.equal(readEffects(effectLog).filter((e) => e.key.startsWith(handle.workflowId)).length, 0);
  });
});
