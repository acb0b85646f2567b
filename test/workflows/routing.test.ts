/**
 * Model routing and provider task queues on a real dev server. The worker has two real providers, the
 * OpenAI and Anthropic adapters, both pointed at the mock LLM server; one of them answers only 500s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AGENT_WORKFLOW_TYPE, stateQuery, type AgentInput } from '../../src/contracts/agent-contract';
import { modelTaskQueue } from '../../src/contracts/model-queues';
import { renderState } from '../../src/cli/status';
import type { agentWorkflow } from '../../src/workflows';
import { startChildWorker, writeWorkflowBundle } from '../helpers/child-worker';
import { logsOf, startTestStack, type RunningWorker, type TestStack } from '../helpers/stack';

let stack: TestStack;
let twoProviders: RunningWorker;
let n = 0;

const queue = `routing-${process.pid}`;

before(async () => {
  stack = await startTestStack();
  twoProviders = await stack.startWorker({
    taskQueue: queue,
    providers: {
      openai: { apiKey: 'test-not-a-key', baseURL: `${stack.mock.url}/v1` },
      anthropic: { apiKey: 'test-not-a-key', baseURL: stack.mock.url },
    },
    rateLimits: { openai: 5 },
  });
  stack.mock.addScenario('down', {
    turns: [{ text: 'never', faults: [{ status: 500, message: 'provider down' }], alwaysFail: true }],
  });
  stack.mock.addScenario('steady', {
    turns: [
      { toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }] },
      { toolCalls: [{ name: 'calculator', arguments: { expression: '42 + 0' } }] },
      { text: 'It is 42.' },
    ],
  });
});
after(async () => {
  await stack?.stop();
});

function start(input: AgentInput, taskQueue: string) {
  return stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `routing-${process.pid}-${++n}`,
    args: [input],
  });
}

/** The task queue of every scheduled callModel activity in a run's history. */
async function modelCallQueues(workflowId: string): Promise<string[]> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === 'callModel')
    .map((a) => a?.taskQueue?.name ?? '');
}

describe('model fallback', () => {
  it('opens the failing provider circuit after N consecutive failures and sends later calls to the fallback', async () => {
    stack.mock.clearLog();
    const handle = await start(
      {
        agent: 'resilient',
        instructions: 'Compute.',
        input: 'What is 6 * 7?',
        model: 'openai:down',
        fallbackModels: ['anthropic:steady'],
        circuitBreaker: { failureThreshold: 2 },
        tools: ['calculator'],
      },
      queue,
    );
    const result = await handle.result();
    assert.equal(result.text, 'It is 42.');

    const down = stack.mock.requests.filter((r) => r.scenario === 'down');
    assert.equal(down.length, 2, 'two failed attempts opened the circuit; no later call went to openai');
    assert.ok(down.every((r) => r.outcome === 'fault:500' && r.wire === 'openai'));
    const steady = stack.mock.requests.filter((r) => r.scenario === 'steady');
    assert.equal(steady.length, 3);
    assert.ok(steady.every((r) => r.wire === 'anthropic'));

    assert.equal(result.routing?.circuits.openai?.open, true);
    assert.equal(result.routing?.current, 'anthropic:steady');
    assert.deepEqual(
      result.routing?.decisions.map((d) => [d.step, d.from, d.to]),
      [[1, 'openai:down', 'anthropic:steady']],
    );
    assert.equal(result.cost.byModel['anthropic:steady']?.calls, 3);
    assert.equal(
      result.steps.filter((s) => s.kind === 'model').every((s) => s.name === 'anthropic:steady'),
      true,
    );

    const state = await handle.query(stateQuery);
    assert.equal(state.routing?.circuits.openai?.consecutiveFailures, 2);
    assert.match(renderState(handle.workflowId, state), /open circuits: openai \(2 failures\)/);
    const logs = await logsOf(handle.workflowId, (lines) => lines.some((l) => l.msg === 'model fallback'));
    assert.ok(logs.some((l) => l.msg === 'provider circuit opened' && l.provider === 'openai'));
    assert.ok(logs.some((l) => l.msg === 'model fallback' && l.to === 'anthropic:steady'));

    // The rate-limited provider's call went to its own task queue; the other provider's stayed on the run's.
    const queues = await modelCallQueues(handle.workflowId);
    assert.deepEqual(queues, [modelTaskQueue(queue, 'openai'), queue, queue, queue]);
  });
});

describe('model fallback under a 429 storm', () => {
  it('opens the throttled provider circuit and the other provider answers', async () => {
    stack.mock.addScenario('storm', {
      turns: [{ text: 'never', faults: [{ status: 429, retryAfterMs: 50 }], alwaysFail: true }],
    });
    stack.mock.addScenario('calm', { turns: [{ text: 'Answered by the fallback.' }] });
    stack.mock.clearLog();
    const handle = await start(
      {
        agent: 'throttled',
        instructions: 'Answer.',
        input: 'Hello?',
        model: 'anthropic:storm',
        fallbackModels: ['openai:calm'],
        circuitBreaker: { failureThreshold: 3 },
      },
      queue,
    );
    const result = await handle.result();
    assert.equal(result.text, 'Answered by the fallback.');
    const storm = stack.mock.requests.filter((r) => r.scenario === 'storm');
    assert.equal(storm.length, 3);
    assert.ok(storm.every((r) => r.outcome === 'fault:429' && r.wire === 'anthropic'));
    assert.equal(result.routing?.circuits.anthropic?.open, true);
    assert.equal(result.routing?.decisions[0]?.to, 'openai:calm');
  });
});

describe('provider task queues', () => {
  it("send a rate-limited provider's calls to <taskQueue>-model-<provider>, polled by rate-limited model workers", async () => {
    const handle = await start(
      {
        agent: 'plain',
        instructions: 'Compute.',
        input: 'What is 6 * 7?',
        model: 'openai:steady',
        tools: ['calculator'],
      },
      queue,
    );
    const result = await handle.result();
    assert.equal(result.text, 'It is 42.');
    assert.deepEqual(await modelCallQueues(handle.workflowId), [
      modelTaskQueue(queue, 'openai'),
      modelTaskQueue(queue, 'openai'),
      modelTaskQueue(queue, 'openai'),
    ]);
    const history = await handle.fetchHistory();
    // Patch markers carry the patch id in their details' payloads.
    const markers = (history.events ?? [])
      .map((e) => e.markerRecordedEventAttributes?.details)
      .filter(Boolean)
      .flatMap((details) => Object.values(details ?? {}).flatMap((p) => p.payloads ?? []))
      .map((p) => Buffer.from(p.data ?? new Uint8Array()).toString());
    assert.ok(
      markers.some((m) => m.includes('lean-agent-steps')),
      markers.join(', '),
    );

    // The provider's rate limit is the task queue's, set by its workers.
    const openai = twoProviders.modelWorkers.find((w) => w.options.taskQueue === modelTaskQueue(queue, 'openai'));
    assert.equal(openai?.options.maxTaskQueueActivitiesPerSecond, 5);
    // The adapters log the provider's rate-limit headers.
    const rateLines = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msg === 'provider rate limit');
    const headers = rateLines(await logsOf(handle.workflowId, (lines) => rateLines(lines).length >= 3));
    assert.ok(headers.length >= 3, 'one line per model call');
    assert.ok(headers.every((l) => typeof l['x-ratelimit-remaining-requests'] === 'string'));
  });
});

describe('a provider rate shared by workers', () => {
  it('two workers together stay under the rate one provider is given', async () => {
    // Two workers, as on two machines, share one rate for the mock provider: 2 model calls a second.
    const sharedQueue = `rate-${process.pid}`;
    // The SDK allows one worker per task queue in a process, so each runs in a process of its own.
    const bundlePath = await writeWorkflowBundle();
    const workers = await Promise.all(
      ['rate-a', 'rate-b'].map((identity) =>
        startChildWorker({
          address: stack.address,
          namespace: stack.namespace,
          taskQueue: sharedQueue,
          mockUrl: stack.mock.url,
          workspaceDir: stack.workspaceDir,
          knowledgeBaseDir: stack.knowledgeBaseDir,
          bundlePath,
          identity,
          rateLimits: { mock: 2 },
        }),
      ),
    );
    stack.mock.addScenario('rate-shared', { turns: [{ text: 'done' }] });
    try {
      const runs = 10;
      const handles = await Promise.all(
        Array.from({ length: runs }, () =>
          start({ agent: 'plain', instructions: 'Answer.', input: 'Go.', model: 'mock:rate-shared' }, sharedQueue),
        ),
      );
      await Promise.all(handles.map((h) => h.result()));
      const times = stack.mock.requests
        .filter((r) => r.scenario === 'rate-shared')
        .map((r) => Date.parse(r.at))
        .sort((a, b) => a - b);
      assert.equal(times.length, runs);
      // Unlimited, ten one-turn runs reach the mock server within a fraction of a second. At 2 a second (the
      // server's token bucket may let a first burst through) they must spread over at least three seconds,
      // and no one-second window may hold more than the rate plus that burst.
      const spanMs = (times.at(-1) as number) - (times[0] as number);
      assert.ok(spanMs >= 3000, `10 calls at 2/s spread over ${spanMs} ms`);
      const busiestSecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
      assert.ok(busiestSecond <= 4, `at most the rate plus a burst in one second, saw ${busiestSecond}`);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});
