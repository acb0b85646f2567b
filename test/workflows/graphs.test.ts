/**
 * Every shipped graph pattern end to end on a real dev server, with the mock LLM playing each graph's own
 * scenario (`graph-<name>`), plus the refusals and limits of the interpreter: router fallback, invalid specs,
 * a 20-branch fan-out under its concurrency limit, a loop past its visit limit, and the CRM tools.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { createCrmTools, seedDemoCrm } from '../../src/activities/tools/crm';
import type { DefinedTool } from '../../src/activities/tools/define-tool';
import { loadGraphSpec } from '../../src/agents/graphs';
import { approveSignal, rejectSignal } from '../../src/contracts/agent-contract';
import { UserError } from '../../src/contracts/errors';
import {
  GRAPH_WORKFLOW_TYPE,
  graphStateQuery,
  type GraphResult,
  type GraphRunState,
  type RoutingDecision,
} from '../../src/contracts/graph-contract';
import { agentPrompt, type GraphSpec, type GraphSpecInput } from '../../src/contracts/graph-spec';
import type { ToolCallOutput } from '../../src/contracts/tool-specs';
import type { MockRequestLogEntry } from '../../src/servers/mock-llm/server';
import type { graphWorkflow } from '../../src/workflows';
import { quietActivityEnv } from '../helpers/activity-env';
import { startTestStack, type TestStack } from '../helpers/stack';

type GraphHandle = WorkflowHandle<typeof graphWorkflow>;

/** Runs one CRM tool's activity outside a worker, with the idempotency key a workflow would give it. */
async function callCrm(
  tools: DefinedTool[],
  name: string,
  args: unknown,
  idempotencyKey = 'test:key',
): Promise<ToolCallOutput> {
  const tool = tools.find((t) => t.spec.name === name);
  assert.ok(tool, name);
  const { env } = quietActivityEnv();
  return env.run(tool.activity, { arguments: JSON.stringify(args), toolCallId: 'call-1', idempotencyKey });
}

function readCrm(
  workspaceDir: string,
  accountId: string,
): { fields: Record<string, unknown>; appliedUpdates: string[] } {
  return JSON.parse(fs.readFileSync(path.join(workspaceDir, 'crm', `${accountId}.json`), 'utf8'));
}

describe('CRM tools', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-crm-'));
  const tools = createCrmTools(dir);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the seeded demo account without side effects', async () => {
    const out = await callCrm(tools, 'crm_read_notes', { accountId: 'acme' });
    assert.match(out.content, /^account acme \(\{"stage":"evaluation","owner":"dana"\}\)\n- Call/);
    assert.match(out.content, /annual pricing and SSO/);
    assert.equal(tools.find((t) => t.spec.name === 'crm_read_notes')?.spec.sideEffects, 'none');
    seedDemoCrm(dir); // seeding again keeps what is there
    assert.deepEqual(readCrm(dir, 'acme').appliedUpdates, []);
  });

  it('applies an update once per idempotency key, so a retried attempt changes nothing', async () => {
    assert.equal(tools.find((t) => t.spec.name === 'crm_update_record')?.spec.sideEffects, 'idempotent');
    const first = await callCrm(tools, 'crm_update_record', { accountId: 'acme', fields: { stage: 'won' } }, 'wf:a');
    assert.equal(first.content, 'updated acme: stage');
    fs.writeFileSync(
      path.join(dir, 'crm', 'acme.json'),
      JSON.stringify({ ...readCrm(dir, 'acme'), fields: { stage: 'changed by hand' } }),
    );
    const retried = await callCrm(tools, 'crm_update_record', { accountId: 'acme', fields: { stage: 'won' } }, 'wf:a');
    assert.match(retried.content, /^already applied/);
    assert.equal(readCrm(dir, 'acme').fields.stage, 'changed by hand', 'the retry did not write again');
    await callCrm(tools, 'crm_update_record', { accountId: 'acme', fields: { owner: 'lee' } }, 'wf:b');
    assert.deepEqual(readCrm(dir, 'acme').appliedUpdates, ['wf:a', 'wf:b']);
    assert.equal(readCrm(dir, 'acme').fields.owner, 'lee');
  });

  it('refuses unknown accounts and bad ids with typed, non-retryable failures', async () => {
    const missing = await callCrm(tools, 'crm_read_notes', { accountId: 'initech' }).catch((e: unknown) => e);
    assert.ok(missing instanceof ApplicationFailure);
    assert.equal(missing.type, 'ToolFailed');
    assert.equal(missing.nonRetryable, true);
    const bad = await callCrm(tools, 'crm_read_notes', { accountId: '../etc/passwd' }).catch((e: unknown) => e);
    assert.ok(bad instanceof ApplicationFailure);
    assert.equal(bad.type, 'ToolArgumentsInvalid');
  });
});

describe('graph patterns on a dev server', () => {
  let stack: TestStack;
  let n = 0;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  function start(spec: GraphSpecInput, input: Record<string, unknown> = {}): Promise<GraphHandle> {
    return stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: `graphs-${spec.name}-${process.pid}-${++n}`,
      args: [{ spec, input }],
    });
  }

  /** The mock server's log from here on: `since()` returns the requests made after the mark was taken. */
  function mark(): { since(filter?: (r: MockRequestLogEntry) => boolean): MockRequestLogEntry[] } {
    const seq = stack.mock.requests.at(-1)?.seq ?? 0;
    return { since: (filter = () => true) => stack.mock.requests.filter((r) => r.seq > seq && filter(r)) };
  }

  async function waitForApproval(handle: GraphHandle): Promise<GraphRunState> {
    for (let i = 0; i < 300; i++) {
      const state = await handle.query(graphStateQuery);
      if (state.pendingApprovals.length) return state;
      await sleep(100);
    }
    return assert.fail('no approval was requested');
  }

  const route = (d: RoutingDecision[]) => d.map((x) => `${x.from}>${x.to}:${x.by}`);

  /** Each child listed in the steps is a completed agentWorkflow whose parent is the graph run. */
  async function assertChildren(handle: GraphHandle, result: GraphResult, count: number): Promise<string[]> {
    const children = result.steps.flatMap((s) => s.children ?? []);
    assert.equal(children.length, count);
    for (const id of children) {
      const described = await stack.client.workflow.getHandle(id).describe();
      assert.equal(described.type, 'agentWorkflow', id);
      assert.equal(described.status.name, 'COMPLETED', id);
      assert.equal(described.parentExecution?.workflowId, handle.workflowId, id);
    }
    return children;
  }

  it('sales-follow-up: reads the CRM, two model steps, waits for approval, updates the record once', async () => {
    const log = mark();
    const handle = await start(loadGraphSpec('sales-follow-up'));
    const waiting = await waitForApproval(handle);
    assert.equal(waiting.status, 'awaiting_approval');
    assert.equal(waiting.currentNode, 'approve');
    assert.equal(waiting.pendingApprovals.length, 1);
    assert.equal(waiting.pendingApprovals[0]?.what, 'send "Annual pricing, SSO and EU residency" to acme');
    assert.deepEqual(route(waiting.decisions), [
      'read_notes>summarize:static',
      'summarize>draft:static',
      'draft>approve:static',
    ]);
    assert.equal(readCrm(stack.workspaceDir, 'acme').fields.stage, 'evaluation', 'nothing written before approval');

    await handle.signal(approveSignal, { by: 'dana', comment: 'send it' });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.output, 'Annual pricing, SSO and EU residency');
    assert.deepEqual(
      result.steps.map((s) => `${s.node}:${s.kind}:${s.status}`),
      [
        'read_notes:tool:ok',
        'summarize:llm:ok',
        'draft:llm:ok',
        'approve:approval:ok',
        'update_crm:tool:ok',
        'done:end:ok',
      ],
    );
    assert.match(result.steps[3]?.summary ?? '', /approved by dana: send it/);
    assert.deepEqual(result.values.signals, [
      'asked about annual pricing and SSO',
      'two engineers active daily',
      'needs EU data residency',
    ]);
    assert.match(String(result.values.notes), /data residency in the EU/, 'the tool read the seeded notes');

    const models = log.since();
    assert.deepEqual(
      models.map((r) => r.case),
      ['[signals]', '[email]'],
      'a model at two steps only',
    );
    assert.ok(models.every((r) => r.scenario === 'graph-sales-follow-up'));
    assert.ok(result.usage.inputTokens > 0, 'the model calls are in the ledger');

    const record = readCrm(stack.workspaceDir, 'acme');
    assert.equal(record.fields.stage, 'follow-up sent');
    const { runId } = await handle.describe();
    const key = `${handle.workflowId}:${runId}:update_crm-step-5`;
    assert.deepEqual(record.appliedUpdates, [key], 'applied once, under the step-derived key');
    // A retry of that same call (same idempotency key) is recognised and changes nothing.
    const again = await callCrm(
      createCrmTools(stack.workspaceDir),
      'crm_update_record',
      { accountId: 'acme', fields: { stage: 'follow-up sent' } },
      key,
    );
    assert.match(again.content, /^already applied/);
    assert.equal(readCrm(stack.workspaceDir, 'acme').appliedUpdates.length, 1);
  });

  it('sales-follow-up: a rejection ends the run as rejected and leaves the CRM alone', async () => {
    fs.mkdirSync(path.join(stack.workspaceDir, 'crm'), { recursive: true });
    fs.writeFileSync(
      path.join(stack.workspaceDir, 'crm', 'globex.json'),
      JSON.stringify({ accountId: 'globex', notes: ['Asked for a discount.'], fields: {}, appliedUpdates: [] }),
    );
    const handle = await start(loadGraphSpec('sales-follow-up'), { accountId: 'globex' });
    const waiting = await waitForApproval(handle);
    assert.equal(waiting.pendingApprovals[0]?.what, 'send "Annual pricing, SSO and EU residency" to globex');
    await handle.signal(rejectSignal, { by: 'dana', reason: 'wrong tone' });
    const result = await handle.result();
    assert.equal(result.status, 'rejected');
    assert.match(result.reason ?? '', /rejected at approve/);
    assert.equal(result.steps.at(-1)?.status, 'rejected');
    assert.deepEqual(readCrm(stack.workspaceDir, 'globex').appliedUpdates, []);
    assert.equal((await handle.query(graphStateQuery)).status, 'rejected');
  });

  it('research-chain: the researcher (with a tool) then the writer, each a child agentWorkflow', async () => {
    const log = mark();
    const handle = await start(loadGraphSpec('research-chain'));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.match(String(result.values.notes), /durable-execution\.md/);
    assert.match(String(result.output), /history, not a process/);
    assert.deepEqual(route(result.decisions), ['research>write:static', 'write>done:static']);
    const children = await assertChildren(handle, result, 2);
    assert.deepEqual(children, [`${handle.workflowId}/researcher-1`, `${handle.workflowId}/writer-2`]);
    const researcher = log.since((r) => r.case === '[researcher]');
    assert.equal(researcher.length, 2, 'a tool call, then the notes');
    assert.match(researcher[1]?.lastUserOrToolContent ?? '', /durable-execution\.md/, 'the tool result came back');
    const writer = log.since((r) => r.case === '[writer]')[0];
    assert.match(writer?.lastUserOrToolContent ?? '', /^Topic: durable execution\. Notes: Notes: runs are/);
  });

  it('support-router: the router hands each ticket to its team, with the reason recorded', async () => {
    const billing = await (await start(loadGraphSpec('support-router'))).result();
    assert.deepEqual(route(billing.decisions), ['intake>billing:router', 'billing>done:static']);
    assert.equal(billing.values.summary, 'Duplicate charge for November; the customer wants one refunded.');
    assert.match(String(billing.output), /refunded the duplicate/);

    const log = mark();
    const technical = await (
      await start(loadGraphSpec('support-router'), { ticket: 'The CSV export fails with error 500 on big files.' })
    ).result();
    assert.deepEqual(route(technical.decisions), ['intake>technical:router', 'technical>done:static']);
    assert.equal(technical.decisions[0]?.reason, 'a product defect');
    assert.match(String(technical.output), /streaming export/);
    const triage = log.since((r) => r.case === 'Summary: CSV export')[0];
    assert.ok(triage, 'the router was asked');
    assert.equal(triage.systemPrompt, '[triage] Pick the team for this ticket. Answer with the team name only.');
    assert.equal(
      triage.lastUserOrToolContent,
      'Summary: CSV export fails with an error on large files.\n\nOptions: billing, technical, general',
    );
  });

  it('a router answering a node it was not offered takes the fallback, and the run goes on', async () => {
    const handle = await start(loadGraphSpec('support-router'), { ticket: 'Do you sell stickers?' });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const [routed] = result.decisions;
    assert.equal(routed?.to, 'general');
    assert.equal(routed?.by, 'fallback');
    assert.match(routed?.reason ?? '', /"sales-department", not one of billing, technical, general; fallback/);
    assert.equal(result.output, 'Thanks for reaching out; a colleague will follow up today.');
    await assertChildren(handle, result, 1);
  });

  it('parallel-research: five branches at most three at once, answers in order, then one synthesis', async () => {
    const log = mark();
    const handle = await start(loadGraphSpec('parallel-research'));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal((result.values.subquestions as string[]).length, 5);
    assert.deepEqual(result.values.findings, Array(5).fill('A finding with its source.'));
    assert.match(String(result.output), /heartbeats expose dead workers/);
    const branches = log.since((r) => r.case === '[branch-researcher]');
    assert.deepEqual(
      branches.map((r) => r.lastUserOrToolContent).sort(),
      [...(result.values.subquestions as string[])].sort(),
    );
    assert.ok(Math.max(...branches.map((r) => r.inFlight)) <= 3);
    const synthesis = log.since((r) => r.case === '[synthesizer]')[0];
    assert.ok(synthesis && synthesis.seq > Math.max(...branches.map((r) => r.seq)), 'fan-in after every branch');
    assert.match(synthesis.lastUserOrToolContent, /Findings: \["A finding with its source\."/);
    await assertChildren(handle, result, 6);
  });

  it('a fan-out of 20 branches completes and never runs more than its limit at once', async () => {
    const spec = structuredClone(loadGraphSpec('parallel-research'));
    spec.entry = 'research';
    const items = Array.from({ length: 20 }, (_, i) => `Sub-question ${i + 1}?`);
    const log = mark();
    const handle = await start(spec, { subquestions: items });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal((result.values.findings as unknown[]).length, 20);
    const branches = log.since((r) => r.case === '[branch-researcher]');
    assert.equal(branches.length, 20);
    assert.deepEqual(new Set(branches.map((r) => r.lastUserOrToolContent)), new Set(items));
    const peak = Math.max(...branches.map((r) => r.inFlight));
    assert.ok(peak <= 3, `at most 3 branches in flight (the spec's concurrency), saw ${peak}`);
    assert.ok(peak >= 2, `branches overlapped (peak ${peak})`);
    const research = result.steps.find((s) => s.node === 'research');
    assert.equal(research?.children?.length, 20);
    assert.match(research?.summary ?? '', /20 branches, at most 3 at once/);
  });

  it('evaluator-optimizer: the writer revises with the review, and the loop ends when the score passes', async () => {
    const result = await (await start(loadGraphSpec('evaluator-optimizer'))).result();
    assert.equal(result.status, 'completed');
    assert.deepEqual(route(result.decisions), [
      'write>review:static',
      'review>write:default',
      'write>review:static',
      'review>done:rule',
    ]);
    assert.equal(result.decisions[3]?.reason, 'score gte 8');
    assert.equal(result.values.score, 9);
    assert.equal(result.output, 'Agents that never lose work.');
  });

  it('a loop past its visit limit ends with status limit_reached and the reason', async () => {
    stack.mock.addScenario('test-stubborn-reviewer', {
      cases: [
        { when: { contains: '[draft-writer]' }, turns: [{ text: 'Agents, but durable.' }] },
        { when: { contains: '[reviewer]' }, turns: [{ text: '{"score": 4, "feedback": "try again"}' }] },
      ],
    });
    const spec = JSON.parse(
      JSON.stringify(loadGraphSpec('evaluator-optimizer')).replaceAll(
        'mock:graph-evaluator-optimizer',
        'mock:test-stubborn-reviewer',
      ),
    ) as GraphSpec;
    const handle = await start(spec);
    const result = await handle.result();
    assert.equal(result.status, 'limit_reached');
    assert.equal(result.reason, 'node write would run more than maxNodeVisits=3 times');
    assert.equal(result.output, undefined);
    assert.deepEqual(
      result.steps.map((s) => s.node),
      ['write', 'review', 'write', 'review', 'write', 'review'],
    );
    const state = await handle.query(graphStateQuery);
    assert.equal(state.status, 'limit_reached');
    assert.equal(state.error, result.reason);
    assert.deepEqual(state.visits, { write: 3, review: 3 }, 'the refused fourth visit is not counted');
  });

  it('supervisor: the supervisor model picks researcher, writer, then finish', async () => {
    const handle = await start(loadGraphSpec('supervisor'));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.deepEqual(route(result.decisions), [
      'supervisor>researcher:router',
      'researcher>supervisor:static',
      'supervisor>writer:router',
      'writer>supervisor:static',
      'supervisor>finish:router',
    ]);
    assert.deepEqual(
      result.decisions.filter((d) => d.by === 'router').map((d) => d.reason),
      ['nothing researched yet', 'the research is in', 'the draft answers the task'],
    );
    assert.match(String(result.output), /survive crashes/);
    assert.deepEqual(await assertChildren(handle, result, 2), [
      `${handle.workflowId}/researcher-2`,
      `${handle.workflowId}/writer-4`,
    ]);
  });

  it('group-chat: round-robin on one transcript until the editor says APPROVED', async () => {
    const log = mark();
    const spec = loadGraphSpec('group-chat');
    const result = await (await start(spec)).result();
    assert.equal(result.status, 'completed');
    const transcript = result.output as { speaker: string; text: string }[];
    assert.deepEqual(
      transcript.map((t) => t.speaker),
      ['optimist', 'skeptic', 'editor'],
    );
    assert.match(transcript[2]?.text ?? '', /APPROVED$/);
    assert.match(result.steps[0]?.summary ?? '', /3 messages; ended: editor said "APPROVED"/);
    const turns = log.since();
    assert.equal(turns.length, 3, 'one model call per turn, no selector');
    const editor = turns[2];
    assert.equal(editor?.systemPrompt, spec.agents.editor?.instructions);
    assert.equal(editor?.messageCount, 2, 'system prompt and one user message');
    assert.equal(
      editor?.lastUserOrToolContent,
      [
        'Plan: Move our agents from notebooks to Temporal workflows.',
        `optimist: ${transcript[0]?.text}`,
        `skeptic: ${transcript[1]?.text}`,
      ].join('\n\n'),
    );
  });

  it('group-chat-selector: a selector model names each speaker, then a person approves the outcome', async () => {
    const log = mark();
    const handle = await start(loadGraphSpec('group-chat-selector'));
    const waiting = await waitForApproval(handle);
    assert.match(waiting.pendingApprovals[0]?.what ?? '', /transcript of discuss \(3 messages\)/);
    await handle.signal(approveSignal, { by: 'lead' });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.deepEqual(
      (result.output as { speaker: string }[]).map((t) => t.speaker),
      ['optimist', 'skeptic', 'editor'],
    );
    const selections = log.since((r) => r.systemPrompt.startsWith('[selector]'));
    assert.equal(selections.length, 3);
    assert.ok(selections.every((r) => r.lastUserOrToolContent.endsWith('Candidates: optimist, skeptic, editor')));
  });

  it('crews: sequential and hierarchical, prompts exactly the role, goal and backstory of the spec', async () => {
    const log = mark();
    const sequentialSpec = loadGraphSpec('crew-sequential');
    const sequential = await (await start(sequentialSpec)).result();
    assert.equal(sequential.status, 'completed');
    assert.match(String(sequential.output), /^BRIEF:/);
    assert.deepEqual(route(sequential.decisions), ['analyze>write:static', 'write>done:static']);
    for (const name of ['analyst', 'writer']) {
      const agent = sequentialSpec.agents[name];
      assert.ok(agent);
      const request = log.since((r) => r.case === `[crew-${name}]`)[0];
      assert.equal(request?.systemPrompt, `${agent.role}\n\n${agent.goal}\n\n${agent.backstory}`);
      assert.equal(request?.systemPrompt, agentPrompt(agent));
    }

    const handle = await start(loadGraphSpec('crew-hierarchical'));
    const hierarchical = await handle.result();
    assert.equal(hierarchical.status, 'completed');
    assert.deepEqual(route(hierarchical.decisions), [
      'manager>analyst:router',
      'analyst>manager:static',
      'manager>writer:router',
      'writer>manager:static',
      'manager>finish:router',
    ]);
    assert.match(String(hierarchical.output), /^BRIEF:/);
    assert.deepEqual((await handle.query(graphStateQuery)).visits, { manager: 3, analyst: 1, writer: 1, finish: 1 });
  });

  it('an invalid spec is refused before start by the loader, and by the workflow if started anyway', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'da-bad-graph-'));
    try {
      const spec = structuredClone(loadGraphSpec('support-router'));
      const intake = spec.nodes.intake;
      assert.ok(intake?.kind === 'llm' && typeof intake.next === 'object' && 'router' in intake.next);
      intake.next.router.options = ['billing', 'refunds'];
      const file = path.join(dir, 'bad-router.json');
      fs.writeFileSync(file, JSON.stringify(spec));
      assert.throws(
        () => loadGraphSpec(file),
        (err: Error) =>
          err instanceof UserError &&
          /nodes\.intake\.next\.router\.options\.1: unknown node "refunds"/.test(err.message),
      );

      const handle = await start(spec);
      const err = await handle.result().catch((e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'InvalidGraphSpec');
      assert.match(err.cause.message, /nodes\.intake\.next\.router\.options\.1: unknown node "refunds"/);
      assert.equal(stack.mock.requests.filter((r) => r.lastUserOrToolContent.includes('refunds')).length, 0);

      const typo = await start(loadGraphSpec('support-router'), { tikcet: 'typo' });
      const inputErr = await typo.result().catch((e: unknown) => e);
      assert.ok(inputErr instanceof WorkflowFailedError && inputErr.cause instanceof ApplicationFailure);
      assert.equal(inputErr.cause.type, 'InvalidGraphInput');
      assert.match(inputErr.cause.message, /tikcet not declared under state/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
