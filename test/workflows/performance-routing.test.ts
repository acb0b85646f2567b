/**
 * Lean agent steps (LEAN_STEPS_PATCH) on a real dev server: model calls of a provider without a rate limit stay on
 * the run's own task queue (where the server may dispatch them eagerly), a rate-limited provider's go to its own
 * queue, and AgentTokens / AgentCostUsd are upserted far less often than once per model call yet exact at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AGENT_WORKFLOW_TYPE, type AgentInput } from '../../src/contracts/agent-contract';
import { modelTaskQueue } from '../../src/contracts/model-queues';
import { agentCostUsdKey, agentStatusKey, agentTokensKey } from '../../src/contracts/search-attributes';
import type { agentWorkflow } from '../../src/workflows';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let n = 0;
const limitedQueue = `perf-limited-${process.pid}`;

before(async () => {
  stack = await startTestStack();
  // A second worker whose fleet rate-limits the mock provider, on a queue of its own.
  await stack.startWorker({ taskQueue: limitedQueue, rateLimits: { mock: 50 } });
  stack.mock.addScenario('perf-steady', {
    turns: [
      { toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }] },
      { toolCalls: [{ name: 'calculator', arguments: { expression: '42 + 0' } }] },
      { toolCalls: [{ name: 'calculator', arguments: { expression: '40 + 2' } }] },
      { text: 'It is 42.' },
    ],
  });
  stack.mock.addScenario('perf-plain', { turns: [{ text: 'Hello.' }] });
});
after(async () => {
  await stack?.stop();
});

const withTools: AgentInput = {
  agent: 'calc',
  instructions: 'Compute.',
  input: 'What is 6 * 7?',
  model: 'mock:perf-steady',
  tools: ['calculator'],
};

async function run(input: AgentInput, taskQueue: string) {
  const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `perf-routing-${process.pid}-${++n}`,
    args: [input],
  });
  const result = await handle.result();
  const history = await handle.fetchHistory();
  return { handle, result, events: history.events ?? [] };
}

type Events = Awaited<ReturnType<typeof run>>['events'];

/** The task queue of every scheduled callModel activity, read off the history. */
function modelCallQueues(events: Events): string[] {
  return events
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === 'callModel')
    .map((a) => a?.taskQueue?.name ?? '');
}

/** Upserts that set AgentTokens (not the SDK's own TemporalChangeVersion upserts of patch markers). */
function usageUpserts(events: Events): number {
  return events.filter((e) => {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    return fields !== undefined && fields !== null && agentTokensKey.name in fields;
  }).length;
}

describe('model-call routing', () => {
  it('keeps model calls on the run’s own task queue when the provider has no rate limit', async () => {
    const { result, events } = await run(withTools, stack.taskQueue);
    assert.equal(result.text, 'It is 42.');
    assert.deepEqual(modelCallQueues(events), [stack.taskQueue, stack.taskQueue, stack.taskQueue, stack.taskQueue]);
  });

  it('sends a rate-limited provider’s calls to its own task queue', async () => {
    const { result, events } = await run(withTools, limitedQueue);
    assert.equal(result.text, 'It is 42.');
    const providerQueue = modelTaskQueue(limitedQueue, 'mock');
    assert.deepEqual(modelCallQueues(events), [providerQueue, providerQueue, providerQueue, providerQueue]);
  });

  it('keeps the provider queue for a run without tools (it asks the worker nothing)', async () => {
    const { result, events } = await run(
      { agent: 'plain', instructions: 'Greet.', input: 'Hi', model: 'mock:perf-plain' },
      stack.taskQueue,
    );
    assert.equal(result.text, 'Hello.');
    assert.deepEqual(modelCallQueues(events), [modelTaskQueue(stack.taskQueue, 'mock')]);
  });
});

describe('usage search attributes', () => {
  it('are upserted at the start and the end, not per model call, and are exact when the run ends', async () => {
    const { handle, result, events } = await run(withTools, stack.taskQueue);
    assert.equal(result.modelCalls, 4);
    // Announce and completion only: the four calls take well under the upsert interval.
    assert.equal(usageUpserts(events), 2);
    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(agentStatusKey), 'completed');
    assert.equal(
      description.typedSearchAttributes.get(agentTokensKey),
      result.usage.inputTokens + result.usage.outputTokens,
    );
    assert.ok(result.usage.inputTokens > 0);
    assert.equal(description.typedSearchAttributes.get(agentCostUsdKey), result.cost.totalUsd);
  });
});
