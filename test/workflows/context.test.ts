/**
 * Prompt caching, context window management and conversations by reference, end to end: a real Temporal dev
 * server, real workers, the real OpenAI and Anthropic clients talking to the mock LLM server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AGENT_WORKFLOW_TYPE,
  stateQuery,
  type AgentInput,
  type AgentResult,
  type AgentState,
} from '../../src/contracts/agent-contract';
import { costOf, priceFor } from '../../src/contracts/pricing';
import type { MockRequestLogEntry } from '../../src/servers/mock-llm/server';
import type { agentWorkflow } from '../../src/workflows';
import { useTestStack } from '../helpers/stack';

let runCounter = 0;
let anthropicQueue: string;

const stack = useTestStack({}, async (stack) => {
  anthropicQueue = `${stack.taskQueue}-anthropic`;
  await stack.startWorker({ taskQueue: anthropicQueue, mockWire: 'anthropic' });
});

function start(input: Partial<AgentInput> & { model: string }, taskQueue = stack.taskQueue) {
  return stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `context-test-${process.pid}-${++runCounter}`,
    args: [
      {
        agent: 'ctx',
        instructions: 'You are a test agent.',
        input: 'Compute things.',
        tools: ['calculator'],
        ...input,
      },
    ],
  });
}

const requestsFor = (scenario: string): MockRequestLogEntry[] =>
  stack.mock.requests.filter((r) => r.scenario === scenario);

/** A system prompt well over the providers' 1024-token minimum for caching. */
const longInstructions = `You are a careful calculator agent. ${'Always show the expression you evaluate. '.repeat(150)}`;

/** Every tool result line in a logged request follows the assistant call that asked for it. */
function assertPairsIntact(shape: string[]): void {
  let open = new Set<string>();
  for (const line of shape) {
    if (line.startsWith('assistant->')) open = new Set(line.slice('assistant->'.length).split(','));
    else if (line.startsWith('tool<-')) {
      for (const id of line.slice('tool<-'.length).split(',')) assert.ok(open.has(id), `result ${id} lost its call`);
    } else open = new Set();
  }
}

describe('prompt caching', () => {
  it('Anthropic: cache_control marks the system prompt and the last tool; reads and writes are priced as such', async () => {
    stack.mock.addScenario('c-cache-anthropic', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 3' } }] }, { text: 'It is 5.' }],
    });
    const handle = await start(
      {
        model: 'mock:c-cache-anthropic',
        instructions: longInstructions,
        tools: ['calculator', 'search_knowledge_base'],
      },
      anthropicQueue,
    );
    const result: AgentResult = await handle.result();
    assert.equal(result.text, 'It is 5.');

    const log = requestsFor('c-cache-anthropic');
    assert.equal(log.length, 2);
    for (const r of log) {
      assert.equal(r.wire, 'anthropic');
      assert.deepEqual(r.cacheControl, ['tools[1]', 'system[0]'], 'breakpoints on the last tool and the system prompt');
    }
    // The first request writes the prefix to the cache, the second reads it.
    const [first, second] = log.map((r) => r.usage!);
    assert.ok(first!.cacheWrite! > 1024 && first!.cached === 0, JSON.stringify(first));
    assert.ok(second!.cached > 1024 && second!.cacheWrite === 0, JSON.stringify(second));
    assert.equal(second!.cached, first!.cacheWrite);

    const steps = result.steps.filter((s) => s.kind === 'model');
    assert.equal(steps[0]?.usage?.cacheWriteInputTokens, first!.cacheWrite);
    assert.equal(steps[1]?.usage?.cachedInputTokens, second!.cached);
    assert.equal(result.usage.cachedInputTokens, second!.cached);

    // The ledger prices reads at the cached rate and writes at the cache-write rate, to the cent and below.
    const price = priceFor('mock:c-cache-anthropic')!;
    const expected = log.reduce(
      (sum, r) =>
        sum +
        costOf(
          {
            inputTokens: r.usage!.input,
            outputTokens: r.usage!.output,
            cachedInputTokens: r.usage!.cached,
            cacheWriteInputTokens: r.usage!.cacheWrite ?? 0,
          },
          price,
        ),
      0,
    );
    assert.ok(Math.abs(result.cost.totalUsd - expected) < 1e-12, `${result.cost.totalUsd} vs ${expected}`);
    const allUncached = log.reduce(
      (sum, r) =>
        sum + costOf({ inputTokens: r.usage!.input, outputTokens: r.usage!.output, cachedInputTokens: 0 }, price),
      0,
    );
    assert.ok(result.cost.totalUsd < allUncached, 'caching made the run cheaper');
    const line = result.cost.byModel['mock:c-cache-anthropic'];
    assert.equal(line?.cachedInputTokens, second!.cached);
  });

  it('OpenAI: a repeated prefix comes back as cached_tokens and is priced at the cached rate', async () => {
    stack.mock.addScenario('c-cache-openai', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '1 + 1' } }] }, { text: 'Two.' }],
    });
    const handle = await start({ model: 'mock:c-cache-openai', instructions: longInstructions });
    const result: AgentResult = await handle.result();
    const log = requestsFor('c-cache-openai');
    assert.deepEqual(log[0]?.cacheControl, [], 'OpenAI caches automatically; no markers are sent');
    assert.equal(log[0]?.usage?.cached, 0);
    assert.ok(log[1]!.usage!.cached > 1024);
    assert.equal(result.usage.cachedInputTokens, log[1]!.usage!.cached);
    const price = priceFor('mock:c-cache-openai')!;
    const expected = log.reduce(
      (sum, r) =>
        sum +
        costOf(
          { inputTokens: r.usage!.input, outputTokens: r.usage!.output, cachedInputTokens: r.usage!.cached },
          price,
        ),
      0,
    );
    assert.ok(Math.abs(result.cost.totalUsd - expected) < 1e-12);
  });
});

describe('context window management', () => {
  it('a context-length error triggers summarize, and the run completes', async () => {
    stack.mock.addScenario('c-summarize', {
      turnOrder: 'sequence',
      cases: [
        { when: { contains: 'You summarize conversations' }, turns: [{ text: 'Added 1+1, 2+2 so far.' }] },
        {
          when: { contains: 'You add numbers' },
          turns: [
            { toolCalls: [{ name: 'calculator', arguments: { expression: '1 + 1' } }] },
            { toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 2' } }] },
            { toolCalls: [{ name: 'calculator', arguments: { expression: '3 + 3' } }] },
            {
              text: 'All added.',
              faults: [
                {
                  status: 400,
                  code: 'context_length_exceeded',
                  message: "This model's maximum context length is 128000 tokens.",
                },
              ],
            },
          ],
        },
      ],
    });
    const handle = await start({
      model: 'mock:c-summarize',
      instructions: 'You add numbers.',
      context: { strategy: 'summarize' },
    });
    const result: AgentResult = await handle.result();
    assert.equal(result.text, 'All added.');

    const log = requestsFor('c-summarize');
    assert.deepEqual(
      log.map((r) => [r.case, r.turn, r.outcome]),
      [
        ['You add numbers', 0, 'ok'],
        ['You add numbers', 1, 'ok'],
        ['You add numbers', 2, 'ok'],
        ['You add numbers', 3, 'fault:400'],
        ['You summarize conversations', 0, 'ok'],
        ['You add numbers', 3, 'ok'],
      ],
    );
    // The summarizer read the older exchanges; the retried call kept the task, the summary and the last exchange.
    assert.match(log[4]!.lastUserOrToolContent, /calculator with \{"expression":"1 \+ 1"\}/);
    const retried = log[5]!;
    assert.equal(retried.systemPrompt, 'You add numbers.');
    assert.deepEqual(retried.shape, ['system', 'user', 'user', 'assistant->call_t2_0', 'tool<-call_t2_0']);

    const state: AgentState = await handle.query(stateQuery);
    assert.equal(state.contextCompactions?.length, 1);
    assert.deepEqual(
      [
        state.contextCompactions![0]!.strategy,
        state.contextCompactions![0]!.reason,
        state.contextCompactions![0]!.removed,
      ],
      ['summarize', 'provider', 4],
    );
    // The summary was a model call of its own, in the step log and in the ledger.
    const summaryStep = result.steps.find((s) => s.summary.startsWith('summarized'));
    assert.equal(summaryStep?.summary, 'summarized 4 messages');
    assert.equal(result.cost.byModel['mock:c-summarize']?.calls, 5);
  });

  for (const strategy of ['truncate', 'window'] as const) {
    it(`${strategy} keeps the system prompt, the task and whole tool-call pairs`, async () => {
      const scenario = `c-${strategy}`;
      const expression = Array.from({ length: 60 }, (_, i) => String(i + 1)).join(' + ');
      stack.mock.addScenario(scenario, {
        turnOrder: 'sequence',
        turns: [
          ...Array.from({ length: 8 }, () => ({ toolCalls: [{ name: 'calculator', arguments: { expression } }] })),
          { text: 'Done.' },
        ],
      });
      const handle = await start({
        model: `mock:${scenario}`,
        instructions: 'You sum long series.',
        maxSteps: 20,
        context: { strategy, maxTokens: 400, keepLast: 4 },
      });
      const result: AgentResult = await handle.result();
      assert.equal(result.text, 'Done.');
      const log = requestsFor(scenario);
      assert.equal(log.length, 9);
      for (const r of log) {
        assert.equal(r.systemPrompt, 'You sum long series.');
        assert.equal(r.shape[0], 'system');
        assert.equal(r.shape[1], 'user', 'the task stays first');
        assertPairsIntact(r.shape);
      }
      // The conversation stopped growing: the last request is no longer than the one where compaction began.
      assert.ok(log[8]!.messageCount < 2 + 2 * 8, `last request has ${log[8]!.messageCount} messages`);
      const state: AgentState = await handle.query(stateQuery);
      assert.ok((state.contextCompactions?.length ?? 0) >= 1);
      assert.ok(state.contextCompactions!.every((c) => c.strategy === strategy && c.reason === 'estimate'));
      assert.ok(state.contextCompactions!.every((c) => c.estimateAfter < c.estimateBefore));
    });
  }
});

describe('conversation by reference', () => {
  /** Bytes of each callModel activity's recorded input, in order, read from the run's history. */
  async function modelInputSizes(workflowId: string): Promise<number[]> {
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'callModel')
      .map((a) => (a?.input?.payloads ?? []).reduce((n, p) => n + (p.data?.length ?? 0), 0));
  }

  async function fiftyTurns(scenario: string, byReference: boolean) {
    stack.mock.addScenario(scenario, {
      turns: [
        ...Array.from({ length: 50 }, (_, i) => ({
          toolCalls: [{ name: 'calculator', arguments: { expression: `${10 + i} * 3` } }],
        })),
        { text: 'Finished fifty calculations.' },
      ],
    });
    const handle = await start({ model: `mock:${scenario}`, maxSteps: 60, conversationByReference: byReference });
    const result: AgentResult = await handle.result();
    assert.equal(result.text, 'Finished fifty calculations.');
    const state: AgentState = await handle.query(stateQuery);
    return { sizes: await modelInputSizes(handle.workflowId), state, log: requestsFor(scenario) };
  }

  it('a 50-turn conversation: model activity inputs stay flat by reference, and grow when sent whole', async () => {
    const byRef = await fiftyTurns('c-flat', true);
    assert.equal(byRef.sizes.length, 51);
    const [step5, step50] = [byRef.sizes[4]!, byRef.sizes[49]!];
    // The 50th call's recorded input is no bigger than the 5th's but for digits (step numbers, call ids).
    assert.ok(step50 <= step5 + 32, `step 5: ${step5} bytes, step 50: ${step50} bytes`);
    // The model still saw the whole conversation every time.
    assert.equal(byRef.log[49]!.messageCount, 2 + 2 * 49, 'system, task and 49 exchanges');

    // The state query reports each model step's payload bytes, as the workflow saw them: the same figures.
    const modelSteps = byRef.state.steps.filter((s) => s.kind === 'model');
    assert.deepEqual(
      modelSteps.map((s) => s.payloadBytes?.input),
      byRef.sizes,
    );
    assert.ok(modelSteps.every((s) => (s.payloadBytes?.output ?? 0) > 0));

    const inline = await fiftyTurns('c-grow', false);
    const [inline5, inline50] = [inline.sizes[4]!, inline.sizes[49]!];
    assert.ok(inline50 > inline5 + 45 * 100, `sent whole: step 5 ${inline5} bytes, step 50 ${inline50} bytes`);
    assert.ok(inline50 > 3 * step50);
  });
});
