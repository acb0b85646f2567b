/**
 * Bad input everywhere: malformed specs and agent inputs, an input over Temporal's payload limit, unknown
 * signals, updates, queries and approval ids, and wrong types in every message a run accepts. Each gets a
 * clear answer (a typed failure, a refused update, a warning and nothing else); no workflow task fails, the
 * worker keeps running, and a run that was waiting keeps waiting and then completes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApplicationFailure,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE, decideUpdate, stateQuery } from '../../src/contracts/agent-contract';
import { ErrorType } from '../../src/contracts/errors';
import { GRAPH_WORKFLOW_TYPE } from '../../src/contracts/graph-contract';
import { TEMPORAL_PAYLOAD_LIMIT_BYTES } from '../../src/client/payload-limit';
import { capturedLogs, startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const bin = path.resolve(__dirname, '../../bin/agentctl.js');
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'da-bad-input-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function agentctl(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(childEnv)) if (k.startsWith('TEMPORAL_')) delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...childEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('agentctl refuses before anything starts', () => {
  it('an input over Temporal payload limit, with its size and what to do instead', async () => {
    const spec = {
      name: 'too-big',
      agents: { writer: { instructions: 'Write.', model: 'mock:hello' } },
      state: { topic: { type: 'string', default: 'x'.repeat(TEMPORAL_PAYLOAD_LIMIT_BYTES + 100_000) } },
      entry: 'write',
      nodes: {
        write: { kind: 'agent', agent: 'writer', input: '{{topic}}', next: 'done' },
        done: { kind: 'end' },
      },
    };
    const file = path.join(tmp, 'too-big.json');
    fs.writeFileSync(file, JSON.stringify(spec));
    // Nothing listens at this address: a refusal that tried to connect would say so instead.
    const run = await agentctl(['start', file], { TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` });
    assert.notEqual(run.code, 0);
    assert.equal(run.stdout, '');
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] ?? '',
      /^agentctl: the graph input .* is 2\.1 MB, over Temporal's payload limit of 2\.0 MB; nothing was started/,
    );
  });

  it('a malformed spec file, naming the field', async () => {
    const file = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(file, 'name: bad\nagents: {}\nentry: a\nnodes:\n  a: { kind: teleport }\n');
    const run = await agentctl(['start', file], { TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /^agentctl: .*nodes\.a/);
    assert.ok(!run.stderr.includes('    at '), run.stderr);
  });
});

describe('a running worker', () => {
  let stack: TestStack;
  let counter = 0;

  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const nextId = (what: string) => `bad-input-${what}-${process.pid}-${++counter}`;

  /** No workflow task of the run failed: bad input never made the workflow code throw where it must not. */
  async function assertNoWorkflowTaskFailed(handle: WorkflowHandle): Promise<void> {
    const history = await handle.fetchHistory();
    const failed = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    assert.deepEqual(
      failed.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message),
      [],
      'no workflow task failed',
    );
  }

  async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
    const err = await handle.result().then(
      () => assert.fail('the run should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
    return err.cause;
  }

  it('fails an agent input of the wrong types at once, naming every bad field', async () => {
    const handle = await stack.client.workflow.start(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: nextId('agent-input'),
      args: [{ instructions: 'x', input: 42, model: 'mock:hello', maxSteps: 'ten', tools: 'calculator', extra: 1 }],
    });
    const failure = await failureOf(handle);
    assert.equal(failure.type, ErrorType.InvalidAgentInput);
    for (const field of ['input', 'maxSteps', 'tools']) assert.match(failure.message, new RegExp(`${field}:`));
    assert.match(failure.message, /extra/);
    await assertNoWorkflowTaskFailed(handle);
  });

  it('fails an unknown model id and a missing input the same clear way', async () => {
    for (const args of [[{ instructions: 'x', input: 'y', model: 'nope' }], [null], []]) {
      const handle = await stack.client.workflow.start(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId: nextId('agent-input'),
        args,
      });
      const failure = await failureOf(handle);
      assert.equal(failure.type, ErrorType.InvalidAgentInput, failure.message);
      await assertNoWorkflowTaskFailed(handle);
    }
  });

  it('fails a malformed graph spec at once, naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ spec: { name: 'g', agents: {}, entry: 'a', nodes: { a: { kind: 'teleport' } } }, input: {} }, /nodes\.a/],
      [{ spec: 'not a spec' }, /invalid graph spec/],
      [null, /invalid graph spec/],
    ];
    for (const [input, problem] of cases) {
      const handle = await stack.client.workflow.start(GRAPH_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId: nextId('graph-spec'),
        args: [input],
      });
      const failure = await failureOf(handle);
      assert.equal(failure.type, ErrorType.InvalidGraphSpec);
      assert.match(failure.message, problem);
      await assertNoWorkflowTaskFailed(handle);
    }
  });

  it('answers unknown and ill-typed signals, updates, queries and approval ids; the waiting run carries on', async () => {
    stack.mock.addScenario('bad-input-gated', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 2' } }] }, { text: 'It is 4.' }],
    });
    const handle = await stack.client.workflow.start(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: nextId('gated'),
      args: [
        {
          agent: 'gated',
          instructions: 'Compute.',
          input: '2 + 2?',
          model: 'mock:bad-input-gated',
          tools: ['calculator'],
          approvalRequiredTools: ['calculator'],
        },
      ],
    });
    await waitFor('the approval gate', async () => (await handle.query(stateQuery)).pendingApprovals.length === 1);
    const approvalId = (await handle.query(stateQuery)).pendingApprovals[0]?.approvalId as string;

    // Signals cannot be refused: these are ignored (with a warning in the worker's log) and change nothing.
    await handle.signal('approvee', { approvalId });
    await handle.signal('no-such-signal');
    await handle.signal('approve', { approvalId: 'no-such-approval' });
    await handle.signal('approve', { approvalId: 42 });
    await handle.signal('approve', 'yes please');
    await handle.signal('approve', { approvalId, sneaky: true });
    await handle.signal('reject', { approvalId, reason: { not: 'text' } });
    await handle.signal('reject', [1, 2, 3]);
    await handle.signal('childApprovals', { childWorkflowId: 'x', pending: 'everything' });
    await handle.signal('childApprovals', null);

    // Updates are refused by the validator with a typed error, before anything is recorded.
    const refused = async (args: unknown, type: string) => {
      await assert.rejects(handle.executeUpdate(decideUpdate, { args: [args as never] }), (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
        assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
        assert.equal(err.cause.type, type, err.cause.message);
        return true;
      });
    };
    await refused({ approvalId: 'no-such-approval', decision: 'approve' }, 'UnknownApproval');
    await refused({ approvalId, decision: 'maybe' }, 'InvalidDecision');
    await refused('approve it', 'InvalidDecision');
    await refused({ approvalId, decision: 'approve', arguments: '{"expression": 7}' }, 'InvalidArguments');
    await assert.rejects(handle.executeUpdate('no-such-update', { args: [] }), (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.match((err.cause as Error | undefined)?.message ?? '', /no-such-update/);
      return true;
    });
    await assert.rejects(handle.query('no-such-query'), /no-such-query/);

    // Each ignored signal left a warning naming why, for whoever reads the worker's logs.
    const ignoredLogs = () =>
      capturedLogs
        .filter((l) => l.workflowId === handle.workflowId && String(l.msg).includes('ignored'))
        .map((l) => String(l.msg));
    await waitFor('the warnings of the ignored signals', () => ignoredLogs().length >= 8);
    const ignored = ignoredLogs();
    assert.equal(ignored.filter((m) => m === 'approve signal ignored: invalid payload').length, 3, ignored.join('\n'));
    assert.equal(ignored.filter((m) => m === 'reject signal ignored: invalid payload').length, 2);
    assert.equal(ignored.filter((m) => m === 'childApprovals signal ignored: invalid payload').length, 2);
    assert.equal(ignored.filter((m) => m === 'decision ignored').length, 1, 'the unknown approval id');

    // The run is exactly where it was: waiting on the same approval.
    const state = await handle.query(stateQuery);
    assert.equal(state.status, 'awaiting_approval');
    assert.deepEqual(
      state.pendingApprovals.map((p) => p.approvalId),
      [approvalId],
    );

    await handle.signal('approve', { approvalId, by: 'tester' });
    const result = (await handle.result()) as { text: string };
    assert.equal(result.text, 'It is 4.');
    await assertNoWorkflowTaskFailed(handle);
    assert.equal(stack.mock.requests.filter((r) => r.scenario === 'bad-input-gated').length, 2);
  });
});
