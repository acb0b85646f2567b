/**
 * agentctl's human-in-the-loop commands as a person uses them, in subprocesses against a real dev server,
 * workers and the mock LLM server: approve and reject through the `decide` update (at the root run for an
 * approval raised in a child), `watch` following a graph and its child, pause and resume across a worker
 * restart and through the stock `temporal workflow signal`, refusals of unknown and decided approvals, and
 * `fork --from-step N` not sending earlier model requests again.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryDefinition, WorkflowHandle } from '@temporalio/client';
import {
  AGENT_WORKFLOW_TYPE,
  stateQuery,
  type AgentResult,
  type PendingApproval,
} from '../../src/contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery } from '../../src/contracts/graph-contract';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { agentctl, agentctlEnv, spawnAgentctl, type CliRun } from '../helpers/agentctl';
import { useTestStack } from '../helpers/stack';

let env: Record<string, string>;
let n = 0;
const stack = useTestStack({}, async (stack) => {
  env = agentctlEnv(stack);
});

const id = (what: string) => `live-${process.pid}-${what}-${++n}`;

async function pendingOf(
  handle: WorkflowHandle,
  count = 1,
  query: QueryDefinition<{ pendingApprovals: PendingApproval[] }> = stateQuery,
): Promise<PendingApproval[]> {
  for (let i = 0; i < 300; i++) {
    const pending = (await handle.query(query)).pendingApprovals;
    if (pending.length >= count) return pending;
    await sleep(100);
  }
  return assert.fail(`${handle.workflowId}: ${count} approvals never became pending`);
}

/** A refusal: non-zero exit, one `agentctl:` line on stderr, nothing on stdout, no stack trace. */
function assertRefused(run: CliRun, problem: RegExp): void {
  assert.notEqual(run.code, 0, `expected a refusal; stdout: ${run.stdout}`);
  assert.equal(run.stdout, '');
  assert.ok(!run.stderr.includes('    at '), run.stderr);
  assert.match(run.stderr, /^agentctl: /);
  assert.match(run.stderr, problem);
}

function writeAgent(model: string, extra: Record<string, unknown> = {}) {
  return {
    instructions: 'File what you are asked to.',
    input: 'write',
    model,
    tools: ['write_file'],
    approvalRequiredTools: ['write_file'],
    ...extra,
  };
}

describe('agentctl live', () => {
  it('watch follows a graph and its child; approve at the root reaches the child', async () => {
    stack.mock.addScenario('live-child', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'live/child.md', content: 'from the child' } }] },
        { toolCalls: [{ name: 'write_file', arguments: { path: 'live/child2.md', content: 'proposed' } }] },
        { text: 'filed it' },
      ],
    });
    const workflowId = id('child');
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [
        {
          spec: {
            name: 'live-child-gate',
            agents: {
              clerk: {
                instructions: 'File it.',
                model: 'mock:live-child',
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
    const watch = spawnAgentctl(['watch', workflowId, '--interval', '200'], env);
    const [surfaced] = await pendingOf(handle, 1, graphStateQuery);
    assert.equal(surfaced?.approvalId, 'clerk-1/step-1-call-1');

    // AwaitingApproval is kept on the root graph run (visibility is eventually consistent: poll briefly).
    let listed: CliRun = { code: null, stdout: '', stderr: '' };
    for (let i = 0; i < 40 && !listed.stdout.split('\n').some((l) => l.startsWith(`${workflowId} `)); i++) {
      if (i) await sleep(250);
      listed = await agentctl(['list', '--awaiting-approval'], env);
    }
    assert.match(listed.stdout, new RegExp(`^${workflowId}\\s+live-child-gate\\s+awaiting approval`, 'm'));

    // Edited arguments go to the child that raised the approval: its validator knows the tool's schema.
    assertRefused(
      await agentctl(['approve', workflowId, '--args', '{"path":"live/child.md"}'], env),
      /approve refused: edited arguments refused: content/,
    );
    // Exactly one approval is pending, so no --approval is needed; the root forwards it to the child.
    const approved = await agentctl(['approve', workflowId, '--by', 'ann', '--comment', 'ok'], env);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^approved clerk-1\/step-1-call-1 \(tool write_file\) in run .*child run .*clerk-1/);

    for (
      let i = 0;
      (await handle.query(graphStateQuery)).pendingApprovals[0]?.approvalId !== 'clerk-1/step-2-call-1';
      i++
    ) {
      assert.ok(i < 300, 'the second approval never surfaced');
      await sleep(100);
    }
    assertRefused(
      await agentctl(['approve', workflowId, '--approval', 'clerk-1/step-1-call-1'], env),
      /approve refused: approval clerk-1\/step-1-call-1 was already decided \(passed on to .*clerk-1\)/,
    );
    const edited = await agentctl(
      ['approve', workflowId, '--args', '{"path":"live/child2.md","content":"edited"}'],
      env,
    );
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /^approved clerk-1\/step-2-call-1 \(tool write_file\)/);

    const watched = await watch.done;
    assert.equal(watched.code, 0, watched.stderr);
    const out = watched.stdout;
    assert.ok(!out.includes('⠋'), 'no spinner when stdout is not a terminal');
    assert.match(out, /\[live-child-gate\] step 1 · agent file · running/);
    assert.match(out, /\[clerk-1\] step 1 · model mock:live-child · ok · asked for write_file/, out);
    assert.match(out, /awaiting approval clerk-1\/step-1-call-1: tool write_file/);
    assert.match(out, /proposed: .*live\/child\.md/);
    assert.match(out, /\[clerk-1\] step 1 · tool write_file · ok/);
    assert.match(out, /\[clerk-1\] step 3 · model mock:live-child · ok · filed it/);
    assert.match(out, /approval clerk-1\/step-1-call-1 decided/);
    assert.match(out, /tokens \d+ \(\d+ in, \d+ out\) · cost \$\d/);
    const last = out.trim().split('\n').at(-1) ?? '';
    assert.match(last, new RegExp(`^run ${workflowId} completed · tokens`));
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'live/child.md'), 'utf8'), 'from the child');
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'live/child2.md'), 'utf8'), 'edited');

    assertRefused(await agentctl(['approve', workflowId], env), /completed; there is nothing to approve/);
  });

  it('refuses ambiguous, unknown and decided approvals; reject gives the agent the reason', async () => {
    stack.mock.addScenario('live-two', {
      turns: [
        {
          toolCalls: [
            { name: 'write_file', arguments: { path: 'live/a.md', content: 'a' } },
            { name: 'write_file', arguments: { path: 'live/b.md', content: 'b' } },
          ],
        },
        { text: 'wrote a, not b' },
      ],
    });
    const workflowId = id('two');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [writeAgent('mock:live-two')],
    });
    await pendingOf(handle, 2);

    // Refusals change nothing, so they may run side by side.
    const [ambiguous, badArgs] = await Promise.all([
      agentctl(['approve', workflowId], env),
      agentctl(['approve', workflowId, '--approval', 'step-1-call-1', '--args', '{"path":"live/a.md"}'], env),
    ]);
    assertRefused(
      ambiguous,
      /has 2 pending approvals; name one with --approval: step-1-call-1 \(tool write_file\), step-1-call-2/,
    );
    assertRefused(badArgs, /approve refused: edited arguments refused: content/);

    const first = await agentctl(['approve', workflowId, '--approval', 'step-1-call-1'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^approved step-1-call-1 \(tool write_file\)/);
    const [again, unknown] = await Promise.all([
      agentctl(['approve', workflowId, '--approval', 'step-1-call-1'], env),
      agentctl(['reject', workflowId, '--approval', 'nope', '--reason', 'x'], env),
    ]);
    assertRefused(again, /approve refused: approval step-1-call-1 was already decided/);
    assertRefused(unknown, /reject refused: no pending approval "nope"; pending: step-1-call-2/);

    const rejected = await agentctl(['reject', workflowId, '--reason', 'b is not needed'], env);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /^rejected step-1-call-2 /);
    const result: AgentResult = await handle.result();
    assert.equal(result.text, 'wrote a, not b');
    const secondTurn = stack.mock.requests.find((r) => r.scenario === 'live-two' && r.turn === 1);
    assert.match(secondTurn?.lastUserOrToolContent ?? '', /rejected this write_file call: b is not needed/);
    assert.equal(fs.existsSync(path.join(stack.workspaceDir, 'live/b.md')), false);
  });

  it('watch exits non-zero with the failure when the run fails', async () => {
    const workflowId = id('fails');
    await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ instructions: 'Answer.', input: 'hi', model: 'mock:auth-failed' }],
    });
    const run = await agentctl(['watch', workflowId, '--interval', '200'], env);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /step 1 · model mock:auth-failed · error/);
    assert.match(run.stdout, new RegExp(`run ${workflowId} failed`));
    assert.match(run.stderr, new RegExp(`^agentctl: run ${workflowId} failed in activity callModel: AuthFailed`));
  });

  it('says so when no worker polls the task queue, instead of hanging', async () => {
    const workflowId = id('noworker');
    await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: `${stack.taskQueue}-nobody`,
      workflowId,
      args: [writeAgent('mock:live-two')],
    });
    const run = await agentctl(['approve', workflowId], env, 30_000);
    assertRefused(run, /no worker is polling task queue .*-nobody, so nothing was approved/);
    await stack.client.workflow.getHandle(workflowId).terminate('test done');
  });

  it('pauses across a worker restart and resumes through temporal workflow signal and agentctl', async () => {
    stack.mock.addScenario('live-restart', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'live/r1.md', content: 'one' } }] },
        { toolCalls: [{ name: 'write_file', arguments: { path: 'live/r2.md', content: 'two' } }] },
        { text: 'both written' },
      ],
    });
    const queue = `${stack.taskQueue}-restart`;
    const first = await stack.startWorker({ taskQueue: queue });
    const workflowId = id('restart');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: queue,
      workflowId,
      args: [writeAgent('mock:live-restart')],
    });
    const [one] = await pendingOf(handle);
    const cli = await resolveTemporalCli();
    // The stock CLI: the signal carries no answer, the run simply moves on.
    execFileSync(cli.path, [
      ...['workflow', 'signal', '--address', stack.address, '--namespace', stack.namespace],
      ...['--workflow-id', workflowId, '--name', 'approve'],
      ...['--input', JSON.stringify({ approvalId: one!.approvalId, by: 'ops' })],
    ]);
    for (let i = 0; (await handle.query(stateQuery)).pendingApprovals[0]?.approvalId !== 'step-2-call-1'; i++) {
      assert.ok(i < 300, 'the second approval never became pending');
      await sleep(100);
    }
    await first.stop();
    await stack.startWorker({ taskQueue: queue });
    const approved = await agentctl(['approve', workflowId], env);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^approved step-2-call-1/);
    const result: AgentResult = await handle.result();
    assert.equal(result.text, 'both written');
    assert.equal(fs.readFileSync(path.join(stack.workspaceDir, 'live/r2.md'), 'utf8'), 'two');
    const turns = stack.mock.requests.filter((r) => r.scenario === 'live-restart').map((r) => r.turn);
    assert.deepEqual(turns, [0, 1, 2], 'no model call was repeated across the restart');
  });

  it('fork --from-step N runs step N again and never steps before it', async () => {
    stack.mock.addScenario('live-fork', {
      turns: [
        { toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }] },
        { toolCalls: [{ name: 'calculator', arguments: { expression: '2+2' } }] },
        { text: 'four' },
      ],
    });
    const workflowId = id('fork');
    await stack.client.workflow.execute<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ instructions: 'Add.', input: 'add', model: 'mock:live-fork', tools: ['calculator'] }],
    });
    const requests = () => stack.mock.requests.filter((r) => r.scenario === 'live-fork').map((r) => r.turn);
    assert.deepEqual(requests(), [0, 1, 2]);

    assertRefused(
      await agentctl(['fork', workflowId, '--from-step', '4'], env),
      /--from-step 4 is out of range: run .* made 3 steps, so steps 1 to 3/,
    );

    const forked = await agentctl(['fork', workflowId, '--from-step', '2'], env);
    assert.equal(forked.code, 0, forked.stderr);
    const newRunId = /new run id:\s+(\S+)/.exec(forked.stdout)?.[1];
    assert.ok(newRunId, forked.stdout);
    const result: AgentResult = await stack.client.workflow.getHandle(workflowId, newRunId).result();
    assert.equal(result.text, 'four');
    assert.equal(result.modelCalls, 3, 'the new run counts steps 1..3, step 1 from history');
    assert.deepEqual(requests(), [0, 1, 2, 1, 2], 'after the fork only steps 2 and 3 reached the model');
  });
});
