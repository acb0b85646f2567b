/**
 * Cost ledger and budgets on a real dev server with the mock LLM: the ledger adds up to what the mock server
 * reported (invalid answers included, priced by the worker's table), each agent budget stops the run at its
 * limit with the partial result, a fan-out cannot spend more than the root budget, and a graph follows its
 * over-budget edge.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, stateQuery, type AgentInput, type AgentResult } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery, type GraphResult } from '../../src/contracts/graph-contract';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import { checkBudget, childBudget, type BudgetInput } from '../../src/contracts/budget';
import { parsePriceTable } from '../../src/contracts/pricing';
import { pricesFromEnv, rateLimitsFromEnv } from '../../src/config/providers';
import { agentCostUsdKey, agentStatusKey, agentTokensKey } from '../../src/contracts/search-attributes';
import { renderState } from '../../src/cli/status';
import type { MockRequestLogEntry } from '../../src/servers/mock-llm/server';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { logsOf, useTestStack } from '../helpers/stack';

let n = 0;
const pricedQueue = `priced-${process.pid}`;
const price = { input: 1, cachedInput: 0.5, output: 2 };

const stack = useTestStack({}, async (stack) => {
  // A worker whose price table (as AGENT_PRICES_FILE would give it) prices one mock model at round figures.
  await stack.startWorker({ taskQueue: pricedQueue, prices: { 'mock:ledger-structured': price } });
});

const id = (name: string) => `budgets-${process.pid}-${++n}-${name}`;

function startAgent(input: AgentInput, taskQueue = stack.taskQueue, workflowId = id(input.agent ?? 'agent')) {
  return stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId,
    args: [input],
  });
}

function startGraph(spec: GraphSpecInput, input: Record<string, unknown>, budget?: BudgetInput) {
  return stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: id(spec.name as string),
    args: [{ spec, input, ...(budget ? { budget } : {}) }],
  });
}

/** Tokens the mock server reported for the answered requests of some scenarios. */
function reported(scenarios: string[]): { input: number; output: number; cached: number; calls: number } {
  const answered = stack.mock.requests.filter(
    (r: MockRequestLogEntry) => scenarios.includes(r.scenario) && r.usage !== undefined,
  );
  return answered.reduce(
    (sum, r) => ({
      input: sum.input + (r.usage?.input ?? 0),
      output: sum.output + (r.usage?.output ?? 0),
      cached: sum.cached + (r.usage?.cached ?? 0),
      calls: sum.calls + 1,
    }),
    { input: 0, output: 0, cached: 0, calls: 0 },
  );
}

async function budgetFailure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('the run should have failed with BudgetExceeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
  assert.equal(err.cause.type, 'BudgetExceeded', err.cause.message);
  return err.cause;
}

/** A loop of calculator calls, each reported as 100 input and 10 output tokens, that never answers in time. */
function addLoopScenario(name: string, turns = 12, delayMs?: number): void {
  stack.mock.addScenario(name, {
    turns: [
      ...Array.from({ length: turns }, (_, i) => ({
        text: `working ${i + 1}`,
        toolCalls: [{ name: 'calculator', arguments: { expression: `${i} + 1` } }],
        usage: { input: 100, output: 10 },
        ...(delayMs && i === 0 ? { delayMs } : {}),
      })),
      { text: 'finished', usage: { input: 100, output: 10 } },
    ],
  });
}

describe('cost ledger', () => {
  it('equals the usage the mock server reported, an invalid structured answer included, priced by the worker', async () => {
    stack.mock.addScenario('ledger-structured', {
      turns: [
        { text: 'not JSON at all', usage: { input: 100, output: 20 } },
        { text: '{"answer": 42}', usage: { input: 150, output: 10, cached: 50 } },
      ],
    });
    const handle = await startAgent(
      {
        agent: 'ledger',
        instructions: 'Answer in JSON.',
        input: 'What is six times seven?',
        model: 'mock:ledger-structured',
        outputSchema: { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] },
      },
      pricedQueue,
    );
    const result = await handle.result();
    assert.deepEqual(result.output, { answer: 42 });

    const mock = reported(['ledger-structured']);
    assert.equal(mock.calls, 2, 'the invalid answer and the valid one');
    assert.equal(result.cost.totalTokens, mock.input + mock.output);
    const line = result.cost.byModel['mock:ledger-structured'];
    assert.deepEqual(
      { input: line?.inputTokens, cached: line?.cachedInputTokens, output: line?.outputTokens, calls: line?.calls },
      { input: mock.input, cached: mock.cached, output: mock.output, calls: 2 },
    );
    assert.equal(result.cost.byAgent.ledger?.calls, 2);
    // The worker's table: (100 + 100 uncached) × $1 + 50 cached × $0.5 + 30 output × $2, per million tokens.
    const expected = ((100 + 100) * 1 + 50 * 0.5 + 30 * 2) / 1e6;
    assert.ok(Math.abs(result.cost.totalUsd - expected) < 1e-12, `${result.cost.totalUsd} vs ${expected}`);

    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(agentTokensKey), mock.input + mock.output);
    assert.ok(Math.abs((description.typedSearchAttributes.get(agentCostUsdKey) ?? 0) - expected) < 1e-12);

    const text = renderState(handle.workflowId, await handle.query(stateQuery));
    assert.match(text, /by model/);
    assert.match(text, /mock:ledger-structured\s+2\s+/);
    assert.match(text, /by agent/);
  });

  it('counts what a graph llm node spent on answers that never passed its schema', async () => {
    stack.mock.addScenario('ledger-graph-invalid', {
      turns: [
        { text: 'nope', usage: { input: 40, output: 5 } },
        { text: 'still nope', usage: { input: 60, output: 7 } },
      ],
    });
    const handle = await startGraph(
      {
        name: 'ledger-invalid',
        state: { text: { type: 'string' }, score: { type: 'number' } },
        entry: 'grade',
        nodes: {
          grade: {
            kind: 'llm',
            model: 'mock:ledger-graph-invalid',
            instructions: 'Score it.',
            input: '{{text}}',
            outputSchema: { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] },
            next: 'done',
          },
          done: { kind: 'end' },
        },
      },
      { text: 'hello' },
    );
    await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError);
    const state = await handle.query(graphStateQuery);
    assert.equal(state.cost.totalTokens, 40 + 5 + 60 + 7);
    assert.equal(state.cost.byModel['mock:ledger-graph-invalid']?.calls, 2);
  });
});

describe('agent budgets', () => {
  it('maxSteps stops the run before the third model call and keeps the partial result', async () => {
    addLoopScenario('budget-steps');
    const handle = await startAgent({
      agent: 'stepper',
      instructions: 'Compute.',
      input: 'Go',
      model: 'mock:budget-steps',
      tools: ['calculator'],
      maxSteps: 20,
      budget: { maxSteps: 2 },
    });
    const failure = await budgetFailure(handle.result());
    const partial = failure.details?.[0] as AgentResult;
    assert.equal(partial.modelCalls, 2);
    assert.equal(partial.toolCalls, 2);
    assert.equal(partial.text, 'working 2');
    assert.equal(partial.budget?.exceeded?.limit, 'maxSteps');
    assert.equal(partial.cost.totalTokens, 220);
    assert.equal(reported(['budget-steps']).calls, 2);

    const state = await handle.query(stateQuery);
    assert.equal(state.status, 'budget_exceeded');
    assert.equal(state.budget?.remaining.maxSteps, 0);
    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(agentStatusKey), 'budget_exceeded');
  });

  it('maxTokens trips once the tokens reach the limit, after a soft-threshold warning', async () => {
    addLoopScenario('budget-tokens');
    const handle = await startAgent({
      agent: 'tokener',
      instructions: 'Compute.',
      input: 'Go',
      model: 'mock:budget-tokens',
      tools: ['calculator'],
      maxSteps: 20,
      budget: { maxTokens: 330, softThreshold: 0.5 },
    });
    const partial = (await budgetFailure(handle.result())).details?.[0] as AgentResult;
    // 110 tokens a call: 110, 220 and 330 spent; the fourth call would start at the limit.
    assert.equal(partial.modelCalls, 3);
    assert.equal(partial.cost.totalTokens, 330);
    assert.deepEqual(partial.budget?.softWarnings, ['maxTokens']);
    const mine = await logsOf(handle.workflowId, (lines) => lines.some((l) => l.msg === 'budget exceeded'));
    const soft = mine.findIndex((l) => l.msg === 'budget soft threshold passed' && l.limit === 'maxTokens');
    const hard = mine.findIndex((l) => l.msg === 'budget exceeded');
    assert.ok(soft >= 0, 'a soft-threshold warning was logged');
    assert.ok(hard > soft, 'the warning came before the breach');
  });

  it('maxToolCalls refuses the turn whose tools would pass the limit; maxCostUsd and maxWallClockMs stop runs too', async () => {
    addLoopScenario('budget-tools');
    const tools = await startAgent({
      agent: 'tooler',
      instructions: 'Compute.',
      input: 'Go',
      model: 'mock:budget-tools',
      tools: ['calculator'],
      maxSteps: 20,
      budget: { maxToolCalls: 3 },
    });
    const toolsPartial = (await budgetFailure(tools.result())).details?.[0] as AgentResult;
    assert.equal(toolsPartial.toolCalls, 3);
    assert.equal(toolsPartial.modelCalls, 4);
    assert.equal(toolsPartial.budget?.exceeded?.limit, 'maxToolCalls');

    addLoopScenario('budget-cost');
    // mock models cost $0.15 / $0.60 per million tokens: 100 in + 10 out = $0.000021 a call.
    const cost = await startAgent({
      agent: 'spender',
      instructions: 'Compute.',
      input: 'Go',
      model: 'mock:budget-cost',
      tools: ['calculator'],
      maxSteps: 20,
      budget: { maxCostUsd: 0.00005 },
    });
    const costPartial = (await budgetFailure(cost.result())).details?.[0] as AgentResult;
    assert.equal(costPartial.modelCalls, 3);
    assert.equal(costPartial.budget?.exceeded?.limit, 'maxCostUsd');

    addLoopScenario('budget-clock', 12, 1500);
    const clock = await startAgent({
      agent: 'sleeper',
      instructions: 'Compute.',
      input: 'Go',
      model: 'mock:budget-clock',
      tools: ['calculator'],
      maxSteps: 20,
      budget: { maxWallClockMs: 1000 },
    });
    const clockPartial = (await budgetFailure(clock.result())).details?.[0] as AgentResult;
    assert.equal(clockPartial.modelCalls, 1, 'the first call took 1.5 s of workflow time; no second call');
    assert.equal(clockPartial.budget?.exceeded?.limit, 'maxWallClockMs');
  });
});

const fanOutSpec = (
  name: string,
  extra: Partial<GraphSpecInput> = {},
  extraNodes: GraphSpecInput['nodes'] = {},
): GraphSpecInput => ({
  name,
  agents: {
    worker: { instructions: 'Work on the item.', model: 'mock:fanout-branch', tools: ['calculator'], maxSteps: 20 },
  },
  state: { items: { type: 'array' }, answers: { type: 'array' }, summary: { type: 'string' } },
  entry: 'fan',
  nodes: {
    fan: {
      kind: 'parallel',
      over: 'items',
      agent: 'worker',
      input: 'Item {{item}}',
      concurrency: 3,
      output: 'answers',
      next: 'sum',
    },
    sum: {
      kind: 'llm',
      model: 'mock:fanout-summary',
      instructions: 'Summarize.',
      input: '{{answers}}',
      outputSchema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
      next: 'done',
    },
    done: { kind: 'end', output: 'summary' },
    ...extraNodes,
  },
  ...extra,
});

describe('budgets over a run tree', () => {
  before(() => {
    addLoopScenario('fanout-branch');
    stack.mock.addScenario('fanout-summary', { turns: [{ text: '{"summary": "all done"}' }] });
  });

  it('a fan-out of six branches stops at the root budget, and the root ledger is the sum of its children', async () => {
    stack.mock.clearLog();
    const items = [1, 2, 3, 4, 5, 6];
    const handle = await startGraph(fanOutSpec('fanout-budget'), { items }, { maxTokens: 1320 });
    const failure = await budgetFailure(handle.result());
    const partial = failure.details?.[0] as GraphResult;
    assert.equal(partial.status, 'budget_exceeded');
    assert.equal((partial.values.answers as unknown[]).length, 6, 'every branch gave back its partial answer');

    const mock = reported(['fanout-branch', 'fanout-summary']);
    const spent = mock.input + mock.output;
    assert.ok(spent <= 1320 + items.length * 110, `spent ${spent} tokens on a budget of 1320`);
    assert.equal(reported(['fanout-summary']).calls, 0, 'the summary never ran: the budget was gone');
    assert.equal(partial.cost.totalTokens, spent, 'the root ledger is what the mock server reported');
    // Each branch had a sixth of the budget (220 tokens): two calls of 110 tokens each.
    assert.equal(partial.cost.byAgent.worker?.calls, 12);

    const children = partial.steps.find((s) => s.node === 'fan')?.children ?? [];
    assert.equal(children.length, 6);
    let childTokens = 0;
    for (const child of children) {
      const state = await stack.client.workflow.getHandle(child).query(stateQuery);
      assert.equal(state.status, 'budget_exceeded');
      childTokens += state.cost.totalTokens;
    }
    assert.equal(childTokens, partial.cost.totalTokens);
  });

  it("follows the graph's over-budget edge and ends with the partial answers", async () => {
    const handle = await startGraph(
      fanOutSpec('fanout-edge', { onBudgetExceeded: 'partial' }, { partial: { kind: 'end', output: 'answers' } }),
      { items: [1, 2] },
      { maxTokens: 440 },
    );
    const result = await handle.result();
    assert.equal(result.status, 'budget_exceeded');
    assert.deepEqual(result.output, ['working 2', 'working 2']);
    const decision = result.decisions.find((d) => d.by === 'budget');
    assert.equal(decision?.to, 'partial');
    assert.match(decision?.reason ?? '', /maxTokens 440/);
    assert.equal(result.budget?.exceeded?.limit, 'maxTokens');
  });
});

describe('budget, price and config helpers', () => {
  it('divides what is left among parallel branches and refuses tool calls past the limit', () => {
    const limits = { maxTokens: 1000, maxCostUsd: 1, maxSteps: 10, maxToolCalls: 7, softThreshold: 0.8 };
    const spent = { tokens: 400, costUsd: 0.4, steps: 4, toolCalls: 1 };
    const share = childBudget(limits, spent, 0, 3);
    assert.ok(Math.abs((share?.maxCostUsd ?? 0) - 0.2) < 1e-12);
    assert.deepEqual(
      { ...share, maxCostUsd: 0.2 },
      {
        softThreshold: 0.8,
        maxTokens: 200,
        maxCostUsd: 0.2,
        maxSteps: 2,
        maxToolCalls: 2,
      },
    );
    assert.equal(checkBudget(limits, spent, 0), undefined);
    assert.equal(checkBudget(limits, spent, 0, 6), undefined);
    assert.equal(checkBudget(limits, spent, 0, 7)?.limit, 'maxToolCalls');
    assert.equal(checkBudget(limits, { ...spent, tokens: 1000 }, 0)?.limit, 'maxTokens');
    assert.equal(checkBudget(limits, { ...spent, tokens: 1000 }, 0, 1), undefined, 'tools may still run');
  });

  it('reads AGENT_PRICES_FILE and AGENT_RATE_LIMIT_* with errors that name the field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-prices-'));
    try {
      const good = path.join(dir, 'good.json');
      fs.writeFileSync(good, JSON.stringify({ 'openai:my-model': { input: 1, output: 4 } }));
      assert.deepEqual(pricesFromEnv({ AGENT_PRICES_FILE: good }), {
        'openai:my-model': { input: 1, cachedInput: 1, output: 4 },
      });
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ 'openai:my-model': { input: -1, output: 4 } }));
      assert.throws(() => pricesFromEnv({ AGENT_PRICES_FILE: bad }), /openai:my-model\.input/);
      assert.throws(() => parsePriceTable({ 'gpt-4o': { input: 1, output: 1 } }, 'test'), /provider:model/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(rateLimitsFromEnv({ AGENT_RATE_LIMIT_OPENAI: '5', AGENT_RATE_LIMIT_ANTHROPIC: '0.5' }), {
      openai: 5,
      anthropic: 0.5,
    });
    assert.throws(() => rateLimitsFromEnv({ AGENT_RATE_LIMIT_OPENAI: 'fast' }), /AGENT_RATE_LIMIT_OPENAI/);
  });
});
