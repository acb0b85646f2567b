/** graphWorkflow's interpreter on small inline specs, through a real dev server and the mock LLM. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowFailedError, ApplicationFailure } from '@temporalio/client';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery, type GraphResult } from '../../src/contracts/graph-contract';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import type { graphWorkflow } from '../../src/workflows';
import { useTestStack } from '../helpers/stack';

let n = 0;
const stack = useTestStack();

function run(spec: GraphSpecInput, input: Record<string, unknown> = {}) {
  return stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: `graph-test-${process.pid}-${++n}`,
    args: [{ spec, input }],
  });
}

describe('graphWorkflow', () => {
  it('runs agent, llm and rule steps, with children named after agents and decisions recorded', async () => {
    stack.mock.addScenario('g-basic', {
      cases: [
        { when: { contains: '[researcher]' }, turns: [{ text: 'Temporal keeps history; workers are stateless.' }] },
        { when: { contains: '[grader]' }, turns: [{ text: '{"grade": 9, "verdict": "good"}' }] },
      ],
    });
    const handle = await run(
      {
        name: 'basic',
        agents: { researcher: { instructions: '[researcher] Research the topic.', model: 'mock:g-basic' } },
        state: {
          topic: { type: 'string' },
          notes: { type: 'string' },
          grade: { type: 'number' },
          verdict: { type: 'string' },
        },
        entry: 'research',
        nodes: {
          research: { kind: 'agent', agent: 'researcher', input: 'Topic: {{topic}}', output: 'notes', next: 'grade' },
          grade: {
            kind: 'llm',
            model: 'mock:g-basic',
            instructions: '[grader] Grade the notes.',
            input: '{{notes}}',
            outputSchema: {
              type: 'object',
              properties: { grade: { type: 'number' }, verdict: { type: 'string' } },
              required: ['grade'],
            },
            next: { rules: [{ when: { field: 'grade', op: 'gte', value: 8 }, to: 'done' }], default: 'research' },
          },
          done: { kind: 'end', output: 'notes' },
        },
      },
      { topic: 'durable execution' },
    );
    const result: GraphResult = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.output, 'Temporal keeps history; workers are stateless.');
    assert.equal(result.values.grade, 9);
    assert.deepEqual(
      result.decisions.map((d) => [d.from, d.to, d.by]),
      [
        ['research', 'grade', 'static'],
        ['grade', 'done', 'rule'],
      ],
    );
    const child = result.steps[0]?.children?.[0];
    assert.equal(child, `${handle.workflowId}/researcher-1`);
    const described = await stack.client.workflow.getHandle(child!).describe();
    assert.equal(described.type, 'agentWorkflow');
    assert.equal(described.status.name, 'COMPLETED');
    assert.ok(result.usage.inputTokens > 0, 'child usage reported back to the graph');
    const state = await handle.query(graphStateQuery);
    assert.equal(state.status, 'completed');
    assert.equal(state.decisions.length, 2);
  });

  it('takes the fallback when the router names an undeclared node, and goes on', async () => {
    stack.mock.addScenario('g-router', {
      cases: [{ when: { contains: '[triage]' }, turns: [{ text: 'refunds-department' }] }],
    });
    const handle = await run(
      {
        name: 'router',
        state: { ticket: { type: 'string' }, handledBy: { type: 'string' } },
        entry: 'intake',
        nodes: {
          intake: {
            kind: 'tool',
            tool: 'calculator',
            args: { expression: '1 + 1' },
            output: 'handledBy',
            next: {
              router: {
                model: 'mock:g-router',
                instructions: '[triage] Pick the team.',
                input: '{{ticket}}',
                options: ['billing', 'general'],
                fallback: 'general',
              },
            },
          },
          billing: { kind: 'end' },
          general: { kind: 'end', output: 'handledBy' },
        },
      },
      { ticket: 'I want my money back' },
    );
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const routed = result.decisions.at(-1);
    assert.equal(routed?.to, 'general');
    assert.equal(routed?.by, 'fallback');
    assert.match(routed?.reason ?? '', /refunds-department/);
    assert.equal(result.output, '2', 'the tool node ran with no model');
  });

  it('ends a loop at its visit limit with a typed outcome', async () => {
    const handle = await run({
      name: 'loop',
      state: { x: { type: 'string' } },
      entry: 'spin',
      limits: { maxNodeVisits: 3, maxSteps: 100 },
      nodes: {
        spin: { kind: 'tool', tool: 'calculator', args: { expression: '2 * 2' }, output: 'x', next: 'spin' },
        never: { kind: 'end' },
      },
    });
    const result = await handle.result();
    assert.equal(result.status, 'limit_reached');
    assert.match(result.reason ?? '', /spin would run more than maxNodeVisits=3/);
    assert.equal(result.steps.length, 3);
  });

  it('refuses an invalid spec with the path of the bad field', async () => {
    const handle = await run({
      name: 'bad',
      entry: 'a',
      nodes: { a: { kind: 'tool', tool: 'calculator', args: {}, next: 'nowhere' }, z: { kind: 'end' } },
    } as GraphSpecInput);
    const err = await handle.result().catch((e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'InvalidGraphSpec');
    assert.match(err.cause.message, /nodes\.a\.next: unknown node "nowhere"/);
  });
});
