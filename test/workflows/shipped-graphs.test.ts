/** Every shipped graph end to end on a real dev server with the mock LLM (scenario `graphs`). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { approveSignal } from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery, type GraphResult } from '../../src/contracts/graph-contract';
import { loadGraphSpec, shippedGraphs } from '../../src/agents/graphs';
import type { graphWorkflow, salesFollowUpWorkflow } from '../../src/workflows';
import { salesFollowUpStateQuery } from '../../src/workflows/examples/sales-follow-up';
import { useTestStack } from '../helpers/stack';

let n = 0;
const stack = useTestStack();

function start(name: string, input: Record<string, unknown> = {}) {
  return stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: `shipped-${name}-${process.pid}-${++n}`,
    args: [{ spec: loadGraphSpec(name), input }],
  });
}

async function approveWhenAsked(handle: Awaited<ReturnType<typeof start>>, by: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const state = await handle.query(graphStateQuery);
    if (state.pendingApprovals.length) {
      await handle.signal(approveSignal, { by });
      return;
    }
    await sleep(100);
  }
  assert.fail('no approval was requested');
}

const path_ = (r: GraphResult) => r.decisions.map((d) => d.to);

describe('shipped graphs', () => {
  it('ships the eight patterns', () => {
    const names = shippedGraphs().map((g) => g.name);
    for (const name of [
      'sales-follow-up',
      'research-chain',
      'support-router',
      'parallel-research',
      'evaluator-optimizer',
      'supervisor',
      'group-chat',
      'group-chat-selector',
      'crew-sequential',
      'crew-hierarchical',
    ]) {
      assert.ok(names.includes(name), name);
    }
  });

  it('sales-follow-up: tool, two model steps, approval, CRM update applied once', async () => {
    const handle = await start('sales-follow-up');
    await approveWhenAsked(handle, 'dana');
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.output, 'Annual pricing, SSO and EU residency');
    assert.deepEqual(
      result.steps.map((s) => s.kind),
      ['tool', 'llm', 'llm', 'approval', 'tool', 'end'],
    );
    const record = JSON.parse(fs.readFileSync(path.join(stack.workspaceDir, 'crm', 'acme.json'), 'utf8'));
    assert.equal(record.fields.stage, 'follow-up sent');
    assert.equal(record.appliedUpdates.length, 1);
    assert.equal(stack.mock.requests.filter((r) => r.case === '[signals]' || r.case === '[email]').length >= 2, true);
  });

  it('research-chain: researcher (with a tool) then writer, as child runs', async () => {
    const handle = await start('research-chain');
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.match(String(result.output), /history, not a process/);
    assert.match(String(result.values.notes), /durable-execution\.md/);
    const children = result.steps.flatMap((s) => s.children ?? []);
    assert.deepEqual(children, [`${handle.workflowId}/researcher-1`, `${handle.workflowId}/writer-2`]);
  });

  it('support-router: the router hands the ticket to billing', async () => {
    const result = await (await start('support-router')).result();
    assert.deepEqual(path_(result), ['billing', 'done']);
    assert.equal(result.decisions[0]?.by, 'router');
    assert.match(String(result.output), /refunded the duplicate/);
  });

  it('parallel-research: five branches, at most three at once, then one synthesis', async () => {
    const result = await (await start('parallel-research')).result();
    assert.equal((result.values.findings as unknown[]).length, 5);
    const branchRequests = stack.mock.requests.filter((r) => r.case === '[branch-researcher]');
    assert.equal(branchRequests.length, 5);
    assert.match(String(result.output), /heartbeats expose dead workers/);
  });

  it('evaluator-optimizer: revises once with the feedback, then passes', async () => {
    const result = await (await start('evaluator-optimizer')).result();
    assert.equal(result.status, 'completed');
    assert.equal(result.output, 'Agents that never lose work.');
    assert.deepEqual(path_(result), ['review', 'write', 'review', 'done']);
    assert.equal(result.values.score, 9);
  });

  it('supervisor: researcher, then writer, then finish, each pick by the supervisor model', async () => {
    const result = await (await start('supervisor')).result();
    assert.deepEqual(path_(result), ['researcher', 'supervisor', 'writer', 'supervisor', 'finish']);
    assert.equal(result.decisions[0]?.reason, 'nothing researched yet');
    assert.match(String(result.output), /survive crashes/);
  });

  it('group-chat: round-robin until the editor says APPROVED', async () => {
    const result = await (await start('group-chat')).result();
    const transcript = result.output as { speaker: string; text: string }[];
    assert.deepEqual(
      transcript.map((t) => t.speaker),
      ['optimist', 'skeptic', 'editor'],
    );
    assert.match(transcript[2]?.text ?? '', /APPROVED/);
  });

  it('group-chat-selector: a selector model picks speakers, then a person approves', async () => {
    const handle = await start('group-chat-selector');
    await approveWhenAsked(handle, 'lead');
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      (result.output as { speaker: string }[]).map((t) => t.speaker),
      ['optimist', 'skeptic', 'editor'],
    );
  });

  it('crews: sequential and hierarchical, prompts exactly as the spec words them', async () => {
    const sequential = await (await start('crew-sequential')).result();
    assert.match(String(sequential.output), /^BRIEF:/);
    const hierarchical = await (await start('crew-hierarchical')).result();
    assert.deepEqual(path_(hierarchical), ['analyst', 'manager', 'writer', 'manager', 'finish']);
    const spec = loadGraphSpec('crew-sequential');
    const analyst = spec.agents.analyst!;
    const expected = [analyst.role, analyst.goal, analyst.backstory].join('\n\n');
    const request = stack.mock.requests.find((r) => r.case === '[crew-analyst]');
    assert.ok(request, 'the analyst was called');
    assert.ok(request.systemPrompt === expected, `system prompt is the spec's words only: ${request.systemPrompt}`);
  });

  it('the hand-written sales follow-up workflow, built from the same blocks, does the same job', async () => {
    const handle = await stack.client.workflow.start<typeof salesFollowUpWorkflow>('salesFollowUpWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId: `code-first-${process.pid}`,
      args: [{ accountId: 'acme', model: 'mock:graphs' }],
    });
    for (let i = 0; ; i++) {
      const state = await handle.query(salesFollowUpStateQuery);
      if (state.pendingApprovals.length) break;
      assert.ok(i < 200, 'the workflow should reach its approval gate');
      await sleep(100);
    }
    await handle.signal(approveSignal, { approvalId: 'send-email', by: 'dana' });
    const result = await handle.result();
    assert.equal(result.status, 'sent');
    assert.deepEqual(result.email, {
      subject: 'Annual pricing, SSO and EU residency',
      body: 'Hi, thanks for the trial. Attached: annual pricing with SSO, and our security pack covering EU data residency.',
    });
    assert.match(result.crmUpdate ?? '', /updated acme|already applied/);
  });

  it('runs a fan-out of 20 branches with never more than the limit at once', async () => {
    stack.mock.clearLog();
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `fanout-20-${process.pid}`,
      args: [
        {
          spec: {
            name: 'fanout-20',
            agents: { researcher: { instructions: '[branch-researcher] Answer.', model: 'mock:graphs' } },
            state: { items: { type: 'array' }, answers: { type: 'array' } },
            entry: 'fan',
            nodes: {
              fan: {
                kind: 'parallel',
                over: 'items',
                agent: 'researcher',
                input: 'Item {{item}}',
                concurrency: 4,
                output: 'answers',
                next: 'done',
              },
              done: { kind: 'end', output: 'answers' },
            },
          },
          input: { items: Array.from({ length: 20 }, (_, i) => i + 1) },
        },
      ],
    });
    const result = await handle.result();
    assert.equal((result.output as unknown[]).length, 20);
    const branches = stack.mock.requests.filter((r) => r.case === '[branch-researcher]');
    assert.equal(branches.length, 20);
    const peak = Math.max(...branches.map((r) => r.inFlight));
    assert.ok(peak <= 4, `at most 4 branches in flight, saw ${peak}`);
    assert.ok(peak >= 2, `branches ran concurrently (peak ${peak})`);
  });
});
