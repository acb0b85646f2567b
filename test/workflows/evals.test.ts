/**
 * evalWorkflow on a real dev server with the mock LLM: a 20-case dataset at concurrency 4 never has more than 4
 * child runs open at once (read from the children's own start and close times, not the eval's claim), progress
 * shows in the `state` query, each scorer kind passes on the case made for it and fails on the other, and a judge
 * through the mock LLM is costed apart from the agent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVAL_WORKFLOW_TYPE, evalStateQuery, type EvalInput, type EvalState } from '../../src/contracts/evals/contract';
import type { AgentResult } from '../../src/contracts/agent-contract';
import type { evalWorkflow } from '../../src/workflows';
import { createAgentClient } from '../../src/client/connect';
import { InvalidRunInputError } from '../../src/client/errors';
import { useTestStack } from '../helpers/stack';

const stack = useTestStack({}, async (s) => {
  // Each case's answer names its number, after a short delay so that cases overlap.
  s.mock.addScenario('eval-echo', {
    cases: Array.from({ length: 20 }, (_, i) => ({
      when: { contains: `question ${i + 1}.`, in: 'input' as const },
      turns: [{ text: `answer ${i + 1}`, delayMs: 150 }],
    })),
  });
  s.mock.addScenario('eval-kinds', {
    cases: [
      {
        when: { contains: 'good case', in: 'input' as const },
        turns: [
          { toolCalls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }] },
          { text: 'The answer is 42.' },
        ],
      },
      { turns: [{ text: 'no idea' }] },
    ],
  });
  s.mock.addScenario('eval-judge', {
    cases: [
      { when: { contains: 'The answer is 42.' }, turns: [{ text: '{"score": 1, "reason": "correct"}' }] },
      { turns: [{ text: '{"score": 0.1, "reason": "no answer"}' }] },
    ],
  });
});

let n = 0;
const evalId = (name: string) => `evals-${process.pid}-${++n}-${name}`;

function startEval(input: EvalInput, workflowId: string) {
  return stack.client.workflow.start<typeof evalWorkflow>(EVAL_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [input],
  });
}

describe('evalWorkflow', () => {
  it('runs 20 cases at most 4 at once, with progress in the state query', async () => {
    const workflowId = evalId('concurrency');
    const cases = Array.from({ length: 20 }, (_, i) => ({
      id: `c${i + 1}`,
      input: `Answer question ${i + 1}.`,
      expected: `answer ${i + 1}`,
      tags: [i % 2 ? 'odd' : 'even'],
    }));
    const handle = await startEval(
      {
        name: 'concurrency',
        target: { kind: 'agent', agent: { instructions: 'answer', model: 'mock:eval-echo', tools: [] } },
        cases,
        scorers: [{ type: 'contains' }],
        concurrency: 4,
      },
      workflowId,
    );
    // Progress arrives while the eval runs: poll the query until it shows a case done but not all.
    const seen: EvalState[] = [];
    for (let i = 0; i < 600; i++) {
      const state = await handle.query(evalStateQuery);
      seen.push(state);
      if (state.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = await handle.result();
    assert.ok(
      seen.some((s) => s.status === 'running' && s.done > 0 && s.done < 20 && s.running.length > 0),
      'the state query showed partial progress',
    );
    assert.ok(seen.every((s) => s.running.length <= 4));
    const final = await handle.query(evalStateQuery);
    assert.equal(final.status, 'completed');
    assert.equal(final.done, 20);
    assert.equal(final.passed, 20);
    assert.equal(result.summary.passed, 20);
    assert.deepEqual(result.summary.byTag.odd, { cases: 10, meanScore: 1, passed: 10 });

    // The children's own start and close times, from the server: count the open runs at each start.
    const spans = await Promise.all(
      result.results.map(async (r) => {
        const d = await stack.client.workflow.getHandle(r.workflowId).describe();
        assert.equal(d.status.name, 'COMPLETED');
        return { start: d.startTime.getTime(), close: d.closeTime!.getTime() };
      }),
    );
    const overlap = Math.max(...spans.map((a) => spans.filter((b) => b.start <= a.start && b.close > a.start).length));
    assert.ok(overlap <= 4, `at most 4 cases at once, saw ${overlap}`);
    assert.ok(overlap >= 2, `cases ran side by side, saw ${overlap}`);
    // The mock LLM agrees: never more than 4 of the eval's requests in flight.
    const inFlight = stack.mock.requests.filter((r) => r.scenario === 'eval-echo').map((r) => r.inFlight);
    assert.equal(inFlight.length, 20);
    assert.ok(Math.max(...inFlight) <= 4);
  });

  it('passes and fails each scorer kind on the case made for it, and costs the judge apart', async () => {
    const workflowId = evalId('kinds');
    const handle = await startEval(
      {
        name: 'kinds',
        target: {
          kind: 'agent',
          agent: { instructions: 'compute', model: 'mock:eval-kinds', tools: ['calculator'] },
        },
        cases: [
          { id: 'good', input: 'the good case: what is 6 * 7?' },
          { id: 'bad', input: 'the bad case: what is 6 * 7?' },
        ],
        scorers: [
          // No `expected`: the judge's prompt then names the answer alone, so its mock case tells the two apart.
          { type: 'exact', name: 'exact', value: 'The answer is 42.' },
          { type: 'contains', name: 'contains', values: ['42'] },
          { type: 'regex', name: 'regex', pattern: 'answer is \\d+' },
          { type: 'jsonSchema', name: 'json', schema: { type: 'string', pattern: '42' } },
          { type: 'toolCalled', name: 'called', tool: 'calculator', args: { expression: { contains: '6' } } },
          { type: 'toolNotCalled', name: 'notCalled', tool: 'calculator' },
          { type: 'maxSteps', name: 'steps', max: 1 },
          { type: 'maxCostUsd', name: 'cost', max: 1 },
          { type: 'maxSeconds', name: 'seconds', max: 60 },
          { type: 'judge', name: 'judge', rubric: 'Is 6 * 7 answered correctly?' },
        ],
        judge: 'mock:eval-judge',
        concurrency: 2,
      },
      workflowId,
    );
    const result = await handle.result();
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    const passes = (id: string) => Object.fromEntries(byId[id]!.scores.map((s) => [s.scorer, s.pass]));
    const good = passes('good');
    const bad = passes('bad');
    for (const name of ['exact', 'contains', 'regex', 'called', 'judge']) {
      assert.equal(good[name], true, `${name} passes the good case: ${JSON.stringify(byId.good!.scores)}`);
      assert.equal(bad[name], false, `${name} fails the bad case`);
    }
    // The inverse scorers: the good case called the tool and took two model calls.
    assert.equal(good.notCalled, false);
    assert.equal(bad.notCalled, true);
    assert.equal(good.steps, false);
    assert.equal(bad.steps, true);
    assert.equal(good.cost, true);
    assert.equal(good.seconds, true);
    assert.equal(byId.good!.pass, false);

    // The judge's cost is its own; the agent's cost is exactly its child run's ledger.
    for (const r of result.results) {
      assert.ok(r.judgeCostUsd > 0, 'the judge call is costed');
      const child = (await stack.client.workflow.getHandle(r.workflowId).result()) as AgentResult;
      assert.equal(r.costUsd, child.cost.totalUsd);
    }
    const judgeRequests = stack.mock.requests.filter((r) => r.scenario === 'eval-judge');
    assert.equal(judgeRequests.length, 2);
    assert.equal(result.summary.judgeCostUsd, byId.good!.judgeCostUsd + byId.bad!.judgeCostUsd);
  });

  it('starts an eval through the client, refusing a bad input before Temporal sees it', async () => {
    const client = createAgentClient({ client: stack.client, taskQueue: stack.taskQueue });
    const target = { kind: 'agent' as const, agent: { instructions: 'answer', model: 'mock:eval-echo', tools: [] } };
    await assert.rejects(
      client.startEval({ target, cases: [{ id: 'a', input: 'x' }], scorers: [{ type: 'judge', rubric: 'good?' }] }),
      (err: unknown) => err instanceof InvalidRunInputError && /a judge needs a model/.test((err as Error).message),
    );
    const started = await client.startEval(
      {
        name: 'via client',
        target,
        cases: [{ id: 'one', input: 'Answer question 3.', expected: 'answer 3' }],
        scorers: [{ type: 'contains' }],
      },
      { id: evalId('client') },
    );
    assert.equal(started.cases, 1);
    const result = await client.evalResult(started.workflowId);
    assert.equal(result.summary.passed, 1);
    assert.equal((await client.evalState(started.workflowId)).done, 1);
  });
});
