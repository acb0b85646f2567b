/**
 * Bounded state on a real dev server: fifty large tool outputs keep the result, the `state` query and the
 * continue-as-new input each under 1 MB (the full outputs stay in history); a `parallel` node refuses a list
 * over its item cap before starting any branch; a graph stops with `limit_reached` when Temporal suggests
 * continuing as new.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, stateQuery } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE } from '../../src/contracts/graph-contract';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { startTestStack, useTestStack, type TestStack } from '../helpers/stack';

const MB = 1024 * 1024;
const stack = useTestStack();
let n = 0;
const id = (what: string) => `bounded-${process.pid}-${what}-${++n}`;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('fifty large tool outputs', () => {
  it('keep the result, the state query and the continue-as-new input each under 1 MB', async () => {
    // 40 KB a read, fifty reads: 2 MB of tool output, which whole in state would pass Temporal's 2 MB limit.
    const line = 'durable agents keep their full tool outputs in history, not in state. ';
    fs.writeFileSync(path.join(stack.workspaceDir, 'big.txt'), line.repeat(Math.ceil(40_000 / line.length)));
    stack.mock.addScenario('fifty-reads', {
      turns: [{ toolCalls: [{ name: 'read_file', arguments: { path: 'big.txt' } }], repeat: 50 }, { text: 'read' }],
    });
    const workflowId = id('fifty');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          instructions: 'Read the file again and again.',
          input: 'go',
          model: 'mock:fifty-reads',
          tools: ['read_file'],
          maxSteps: 60,
          continueAsNewAfterSteps: 30,
        },
      ],
    });
    const result = await handle.result();
    assert.equal(result.text, 'read');
    assert.equal(result.toolCalls, 50);
    assert.ok(bytes(result) < MB, `result: ${bytes(result)} bytes`);
    const toolSteps = result.steps.filter((s) => s.kind === 'tool');
    assert.ok(toolSteps.length > 0);
    for (const s of toolSteps) {
      assert.ok(s.summary.length <= 2_000, `a step summary of ${s.summary.length} characters`);
      assert.match(s.summary, /… \(3\d{4} more characters in the run's history\)$/);
    }
    const state = await handle.query(stateQuery);
    assert.ok(bytes(state) < MB, `state query: ${bytes(state)} bytes`);

    // The first run's continue-as-new input, as the server holds it.
    const runs: string[] = [];
    for await (const w of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
    assert.equal(runs.length, 2, 'the run continued as new once');
    const first = await stack.client.workflow.getHandle(workflowId, runs.at(-1)).fetchHistory();
    const carried = first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    assert.ok(carried, 'the first run continued as new');
    const inputBytes = (carried.input?.payloads ?? []).reduce((sum, p) => sum + (p.data?.length ?? 0), 0);
    assert.ok(inputBytes < MB, `continue-as-new input: ${inputBytes} bytes`);

    // The full outputs are in history: the read_file activities' results.
    const results = (first.events ?? []).map(
      (e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data?.length ?? 0,
    );
    const full = results.filter((size) => size > 40_000).length;
    assert.ok(full >= 25, `the tools' full outputs are in history (${full} of them)`);
  });
});

describe('graph limits', () => {
  before(() => {
    stack.mock.addScenario('cap-branch', { turns: [{ text: 'branch answer' }] });
  });

  it('a parallel node over its item cap fails with TooManyItems before starting any branch', async () => {
    const spec: GraphSpecInput = {
      name: 'capped-fan',
      agents: { worker: { instructions: 'Work.', model: 'mock:cap-branch' } },
      state: { items: { type: 'array' }, answers: { type: 'array' } },
      entry: 'fan',
      nodes: {
        fan: {
          kind: 'parallel',
          over: 'items',
          agent: 'worker',
          input: '{{item}}',
          maxItems: 3,
          output: 'answers',
          next: 'done',
        },
        done: { kind: 'end', output: 'answers' },
      },
    };
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('capped'),
      args: [{ spec, input: { items: [1, 2, 3, 4, 5] } }],
    });
    const err = await handle.result().then(
      () => assert.fail('expected the graph to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    assert.equal(err.cause.type, 'TooManyItems');
    assert.match(err.cause.message, /items holds 5 items, more than maxItems=3/);
    const history = await handle.fetchHistory();
    const started = (history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    assert.equal(started.length, 0, 'no branch was started');

    // Within the cap it runs as before.
    const fits = await stack.client.workflow.execute<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('fits'),
      args: [{ spec, input: { items: [1, 2, 3] } }],
    });
    assert.equal(fits.status, 'completed');
    assert.deepEqual(fits.output, ['branch answer', 'branch answer', 'branch answer']);
  });
});

describe('a long graph run', () => {
  let small: TestStack;
  before(async () => {
    // A history of 40 events is "long" here, so the server suggests continuing as new after a few nodes.
    small = await startTestStack({
      serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'],
    });
  });
  after(async () => {
    await small?.stop();
  });

  it('stops with limit_reached when Temporal suggests continuing as new', async () => {
    const spec: GraphSpecInput = {
      name: 'endless-loop',
      agents: {},
      state: { total: { type: 'string' } },
      entry: 'add',
      nodes: {
        // A loop a model's routing could make: back to itself until the end node, which never comes.
        add: {
          kind: 'tool',
          tool: 'calculator',
          args: { expression: '1 + 1' },
          output: 'total',
          next: { rules: [{ when: { field: 'total', op: 'eq', value: 'never' }, to: 'done' }], default: 'add' },
        },
        done: { kind: 'end' },
      },
      limits: { maxNodeVisits: 1000, maxSteps: 1000 },
    };
    const result = await small.client.workflow.execute<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: small.taskQueue,
      workflowId: id('endless'),
      args: [{ spec, input: {} }],
    });
    assert.equal(result.status, 'limit_reached');
    assert.match(result.reason ?? '', /^history limit: Temporal suggests continuing as new \(\d+ events/);
    assert.ok(result.steps.length > 2 && result.steps.length < 40, `${result.steps.length} steps`);
  });
});
