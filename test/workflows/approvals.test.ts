/**
 * Human approval end to end on a real dev server: the `decide` update's validation, edited arguments,
 * gate timeouts, gates in front of graph nodes, and approvals raised in a child run answered at the root.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateFailedError, type QueryDefinition, type WorkflowHandle } from '@temporalio/client';
import {
  AGENT_WORKFLOW_TYPE,
  decideUpdate,
  stateQuery,
  type PendingApproval,
} from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery } from '../../src/contracts/graph-contract';
import { awaitingApprovalKey } from '../../src/contracts/search-attributes';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { useTestStack } from '../helpers/stack';

let n = 0;
const stack = useTestStack();

const id = (what: string) => `approvals-${process.pid}-${what}-${++n}`;

async function pendingOf(
  handle: WorkflowHandle,
  query: QueryDefinition<{ pendingApprovals: PendingApproval[] }> = stateQuery,
): Promise<PendingApproval[]> {
  for (let i = 0; i < 200; i++) {
    const pending = (await handle.query(query)).pendingApprovals;
    if (pending.length) return pending;
    await sleep(100);
  }
  return assert.fail('nothing became pending');
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => assert.fail('the update should be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
  return (err.cause as Error).message;
}

describe('approvals', () => {
  it('decide refuses unknown and decided ids and bad edited arguments, and runs the edited call', async () => {
    stack.mock.addScenario('a-decide', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'decide/a.md', content: 'proposed' } }] },
        { text: 'done' },
      ],
    });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('decide'),
      args: [
        {
          instructions: 't',
          input: 'write',
          model: 'mock:a-decide',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
        },
      ],
    });
    const [pending] = await pendingOf(handle);
    assert.match(
      await refusal(handle.executeUpdate(decideUpdate, { args: [{ approvalId: 'nope', decision: 'approve' }] })),
      /no pending approval "nope"; pending: step-1-call-1/,
    );
    assert.match(
      await refusal(
        handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', arguments: { path: 'decide/a.md' } }] }),
      ),
      /edited arguments refused: content/,
    );
    const answer = await handle.executeUpdate(decideUpdate, {
      args: [
        {
          approvalId: pending!.approvalId,
          decision: 'approve',
          by: 'ann',
          arguments: { path: 'decide/a.md', content: 'edited' },
        },
      ],
    });
    assert.deepEqual(answer, { approvalId: 'step-1-call-1', decision: 'approved' });
    assert.match(
      await refusal(
        handle.executeUpdate(decideUpdate, { args: [{ approvalId: 'step-1-call-1', decision: 'reject' }] }),
      ),
      /already decided/,
    );
    await handle.result();
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'decide/a.md'), 'utf8'), 'edited');
  });

  it('acts on a gate timeout with a durable timer', async () => {
    stack.mock.addScenario('a-timeout', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'timeout/a.md', content: 'x' } }] },
        { text: 'gave up' },
      ],
    });
    const result = await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('timeout'),
      args: [
        {
          instructions: 't',
          input: 'write',
          model: 'mock:a-timeout',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
          approvalTimeout: { after: '1s', onTimeout: 'reject' },
        },
      ],
    });
    assert.equal(result.steps.find((s) => s.kind === 'tool')?.status, 'rejected');
    assert.equal(fs.existsSync(path.join(stack.workspaceDir, 'timeout/a.md')), false);
  });

  it('surfaces an approval raised in a child agent at the root graph, and the root decision reaches the child', async () => {
    stack.mock.addScenario('a-child', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'child/report.md', content: 'from the child' } }] },
        { text: 'filed' },
      ],
    });
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('child'),
      args: [
        {
          spec: {
            name: 'child-gate',
            agents: {
              clerk: {
                instructions: 'file it',
                model: 'mock:a-child',
                tools: ['write_file'],
                approvalRequiredTools: ['write_file'],
              },
            },
            state: { report: { type: 'string' } },
            entry: 'file',
            nodes: {
              file: { kind: 'agent', agent: 'clerk', input: 'file the report', output: 'report', next: 'done' },
              done: { kind: 'end', output: 'report' },
            },
          },
        },
      ],
    });
    const [surfaced] = await pendingOf(handle, graphStateQuery);
    assert.equal(surfaced?.approvalId, 'clerk-1/step-1-call-1');
    assert.equal(surfaced?.childWorkflowId, `${handle.workflowId}/clerk-1`);
    for (let i = 0; ; i++) {
      const attrs = (await handle.describe()).typedSearchAttributes;
      if (attrs.get(awaitingApprovalKey) === true) break;
      assert.ok(i < 100, 'AwaitingApproval should be set on the root');
      await sleep(100);
    }
    const answer = await handle.executeUpdate(decideUpdate, {
      args: [{ approvalId: surfaced!.approvalId, decision: 'approve', by: 'root' }],
    });
    assert.equal(answer.forwardedTo, `${handle.workflowId}/clerk-1`);
    const result = await handle.result();
    assert.equal(result.output, 'filed');
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'child/report.md'), 'utf8'), 'from the child');
    const state = await handle.query(graphStateQuery);
    assert.equal(state.pendingApprovals.length, 0);
  });

  it('waits across a worker restart and resumes on an approval sent with the stock temporal CLI', async () => {
    stack.mock.addScenario('a-restart', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'restart/a.md', content: 'survived' } }] },
        { text: 'written' },
      ],
    });
    const queue = `${stack.taskQueue}-restart-wait`;
    const first = await stack.startWorker({ taskQueue: queue });
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: queue,
      workflowId: id('restart'),
      args: [
        {
          instructions: 't',
          input: 'write',
          model: 'mock:a-restart',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
        },
      ],
    });
    const [pending] = await pendingOf(handle);
    await first.stop();
    await stack.startWorker({ taskQueue: queue });
    const cli = await resolveTemporalCli();
    execFileSync(cli.path, [
      'workflow',
      'signal',
      '--address',
      stack.address,
      '--workflow-id',
      handle.workflowId,
      '--name',
      'approve',
      '--input',
      JSON.stringify({ approvalId: pending!.approvalId, by: 'ops' }),
    ]);
    const result = await handle.result();
    assert.equal(result.text, 'written');
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'restart/a.md'), 'utf8'), 'survived');
    const modelRequests = stack.mock.requests.filter((r) => r.scenario === 'a-restart');
    assert.deepEqual(
      modelRequests.map((r) => r.turn),
      [0, 1],
      'the first model call was not repeated after the restart',
    );
  });

  it('gates a graph node with approvals.before and follows onReject', async () => {
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('before'),
      args: [
        {
          spec: {
            name: 'gated',
            state: { x: { type: 'string' } },
            entry: 'publish',
            approvals: [{ before: 'publish', what: 'publish {{x}}', onReject: 'shelved' }],
            nodes: {
              publish: {
                kind: 'tool',
                tool: 'calculator',
                args: { expression: '1+1' },
                output: 'x',
                next: 'published',
              },
              published: { kind: 'end', output: 'x' },
              shelved: { kind: 'end' },
            },
          },
          input: { x: 'draft' },
        },
      ],
    });
    const [pending] = await pendingOf(handle, graphStateQuery);
    assert.equal(pending?.what, 'publish draft');
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'reject', reason: 'not yet' }] });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.decisions.at(-1), {
      step: 1,
      from: 'publish',
      to: 'shelved',
      by: 'approval',
      reason: 'rejected before running',
    });
    assert.equal(result.values.x, 'draft', 'publish never ran');
  });
});
