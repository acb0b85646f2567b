/**
 * The client API on a real dev server: every method (start, state, result, approve/reject with their typed
 * refusals, cancel, fork, list, events), live events across a child agent's approval and across continue-as-new,
 * resuming events after an id without repeats, and "no worker polls" reported at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AgentClient,
  ApprovalAlreadyDecidedError,
  ClientErrorCode,
  createAgentClient,
  connectAgentClient,
  InvalidDecisionArgumentsError,
  isGraphResult,
  NoWorkerError,
  RunFailedError,
  RunNotOpenError,
  UnknownAgentError,
  UnknownApprovalError,
  AmbiguousApprovalError,
  NoPendingApprovalError,
  type RunEvent,
} from '../../src/client';
import type { AgentState } from '../../src/contracts/agent-contract';
import type { GraphSpecInput } from '../../src/contracts/graph-spec';
import { useTestStack } from '../helpers/stack';

let n = 0;
const id = (what: string) => `client-${process.pid}-${what}-${++n}`;
let client: AgentClient;
const stack = useTestStack({}, async (s) => {
  client = createAgentClient({ client: s.client, taskQueue: s.taskQueue });
});

/** Polls until the run lists `count` pending approvals. */
async function pendingOf(workflowId: string, count = 1) {
  for (let i = 0; i < 300; i++) {
    const state = await client.getState(workflowId);
    if (state.pendingApprovals.length >= count) return state.pendingApprovals;
    await sleep(100);
  }
  return assert.fail(`${workflowId}: ${count} approvals never became pending`);
}

/** Every event until the run ends. */
async function allEvents(workflowId: string, after?: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const e of client.events(workflowId, { intervalMs: 100, ...(after ? { after } : {}) })) events.push(e);
  return events;
}

const writer = (model: string, extra: Record<string, unknown> = {}) => ({
  agent: 'writer',
  instructions: 'File what you are asked to.',
  input: 'write',
  model,
  tools: ['write_file'],
  approvalRequiredTools: ['write_file'],
  ...extra,
});

describe('client API', () => {
  it('starts a catalog agent, reads its state and result, and lists it by agent name', async () => {
    const workflowId = id('research');
    const started = await client.startAgent('research-assistant', {
      id: workflowId,
      model: 'mock:research-assistant',
      input: 'How much does the premium plan cost for 3 seats?',
    });
    assert.equal(started.workflowId, workflowId);
    assert.equal(started.name, 'research-assistant');
    assert.deepEqual(started.warnings, []);
    const result = await client.result(workflowId);
    assert.ok(!isGraphResult(result));
    assert.ok(result.text.length > 0);
    const state = (await client.getState(workflowId)) as AgentState;
    assert.equal(state.status, 'completed');
    assert.equal(state.steps.length, result.steps.length);

    let listed = await client.list({ agent: 'research-assistant', status: 'completed' });
    for (let i = 0; i < 40 && !listed.some((r) => r.workflowId === workflowId); i++) {
      await sleep(250);
      listed = await client.list({ agent: 'research-assistant', status: 'completed' });
    }
    const row = listed.find((r) => r.workflowId === workflowId);
    assert.ok(row, 'the run is listed');
    assert.equal(row.agent, 'research-assistant');
    assert.equal(row.status, 'completed');
    assert.ok((row.tokens ?? 0) > 0);
  });

  it('refuses an unknown agent and a bad input before starting anything', async () => {
    await assert.rejects(client.startAgent('no-such-agent'), (err: unknown) => {
      assert.ok(err instanceof UnknownAgentError);
      assert.equal(err.code, ClientErrorCode.UnknownAgent);
      return true;
    });
    await assert.rejects(
      client.startAgent(writer('mock:x', { maxSteps: 0 })),
      (err: { code?: string; message: string }) =>
        err.code === ClientErrorCode.InvalidInput && /maxSteps/.test(err.message),
    );
  });

  it('approve and reject through decide, with each refusal as its own error class and code', async () => {
    stack.mock.addScenario('client-two', {
      turns: [
        {
          toolCalls: [
            { name: 'write_file', arguments: { path: 'client/a.md', content: 'a' } },
            { name: 'write_file', arguments: { path: 'client/b.md', content: 'b' } },
          ],
        },
        { text: 'filed a' },
      ],
    });
    const workflowId = id('decide');
    await client.startAgent(writer('mock:client-two'), { id: workflowId });
    const pending = await pendingOf(workflowId, 2);

    await assert.rejects(client.approve(workflowId), (err: unknown) => {
      assert.ok(err instanceof AmbiguousApprovalError);
      assert.equal(err.code, 'AMBIGUOUS_APPROVAL');
      assert.deepEqual(
        err.pending.map((p) => p.approvalId),
        pending.map((p) => p.approvalId),
      );
      return true;
    });
    await assert.rejects(client.approve(workflowId, { approvalId: 'step-9-call-9' }), UnknownApprovalError);
    await assert.rejects(
      client.approve(workflowId, { approvalId: 'step-1-call-1', args: { path: 'client/a.md' } }),
      (err: unknown) => err instanceof InvalidDecisionArgumentsError && err.code === 'INVALID_ARGUMENTS',
    );

    const approved = await client.approve(workflowId, { approvalId: 'step-1-call-1', by: 'ann', comment: 'ok' });
    assert.equal(approved.decision, 'approved');
    assert.equal(approved.approvalId, 'step-1-call-1');
    assert.equal(approved.what, 'tool write_file');
    await assert.rejects(
      client.approve(workflowId, { approvalId: 'step-1-call-1' }),
      (err: unknown) => err instanceof ApprovalAlreadyDecidedError && err.code === 'APPROVAL_ALREADY_DECIDED',
    );
    const rejected = await client.reject(workflowId, { by: 'bob', reason: 'b is not needed' });
    assert.equal(rejected.decision, 'rejected');
    assert.equal(rejected.approvalId, 'step-1-call-2');

    await client.result(workflowId);
    await assert.rejects(
      client.reject(workflowId, { reason: 'late' }),
      (err: unknown) => err instanceof RunNotOpenError && err.status === 'completed',
    );
  });

  it('reports no worker at once: an unpolled task queue, and a model provider no worker serves', async () => {
    const lonely = `client-nobody-${process.pid}`;
    const started = await client.startAgent(writer('mock:x'), { id: id('lonely'), taskQueue: lonely });
    assert.equal(started.warnings.length, 1);
    assert.equal(started.warnings[0]?.kind, 'workflow');
    assert.equal(started.warnings[0]?.taskQueue, lonely);
    await assert.rejects(
      client.startAgent(writer('mock:x'), { id: id('lonely'), taskQueue: lonely, requireWorkers: true }),
      (err: unknown) =>
        err instanceof NoWorkerError && err.code === 'NO_WORKER' && /nothing was started/.test(err.message),
    );
    await assert.rejects(client.approve(started.workflowId), NoWorkerError);
    await client.temporal.workflow.getHandle(started.workflowId).terminate('test over');

    // The stack's workers serve only the mock provider: an anthropic model has no model worker.
    const noModel = await client.startAgent(writer('anthropic:claude-sonnet-4-5'), { id: id('no-model') });
    assert.deepEqual(
      noModel.warnings.map((w) => [w.kind, w.provider, w.taskQueue]),
      [['model', 'anthropic', `${stack.taskQueue}-model-anthropic`]],
    );
    await client.temporal.workflow.getHandle(noModel.workflowId).terminate('test over');
  });

  it('events follow a graph across its child agent’s approval, and resume after an id without repeats', async () => {
    stack.mock.addScenario('client-child', {
      turns: [
        { toolCalls: [{ name: 'write_file', arguments: { path: 'client/child.md', content: 'from the child' } }] },
        { text: 'filed it' },
      ],
    });
    const spec: GraphSpecInput = {
      name: 'client-child-gate',
      agents: {
        clerk: {
          instructions: 'File it.',
          model: 'mock:client-child',
          tools: ['write_file'],
          approvalRequiredTools: ['write_file'],
        },
      },
      // Text input goes into the first string field no node writes: `topic`.
      state: { topic: { type: 'string' }, report: { type: 'string' } },
      entry: 'file',
      nodes: {
        file: { kind: 'agent', agent: 'clerk', input: 'file the report', output: 'report', next: 'done' },
        done: { kind: 'end', output: 'report' },
      },
    };
    const workflowId = id('graph');
    await client.startGraph(spec, { id: workflowId, input: 'quarterly' });

    const seen: RunEvent[] = [];
    for await (const event of client.events(workflowId, { intervalMs: 100 })) {
      seen.push(event);
      if (event.type === 'approval.requested') {
        assert.equal(event.child?.label, 'clerk-1');
        assert.equal(event.approval.approvalId, 'clerk-1/step-1-call-1');
        await client.approve(workflowId, { approvalId: event.approval.approvalId, by: 'ann' });
      }
    }
    const types = seen.map((e) => `${e.child ? `[${e.child.label}] ` : ''}${e.type}`);
    assert.ok(types.includes('[clerk-1] approval.decided'), types.join(', '));
    assert.ok(types.includes('[clerk-1] step.finished'), types.join(', '));
    assert.ok(types.includes('step.started'), types.join(', '));
    assert.ok(types.includes('cost.changed'), types.join(', '));
    const last = seen.at(-1);
    assert.equal(last?.type, 'run.ended');
    assert.equal(last.type === 'run.ended' && last.outcome.outcome, 'completed');
    assert.equal(new Set(seen.map((e) => e.id)).size, seen.length, 'every id is unique');
    // The child's approval step precedes the graph step that started the child finishing.
    const childDone = types.indexOf('[clerk-1] step.finished');
    const graphDone = seen.findIndex((e) => e.type === 'step.finished' && !e.child && e.name === 'file');
    assert.ok(childDone < graphDone, types.join(', '));

    // A closed run gives the same events (bar what only a live watcher sees) with the same ids; resuming after
    // any of them gives exactly the ones after it.
    const replayed = await allEvents(workflowId);
    const steps = (events: RunEvent[]) => events.filter((e) => e.type.startsWith('step.')).map((e) => e.id);
    assert.deepEqual(steps(replayed), steps(seen));
    const cut = Math.floor(replayed.length / 2);
    const resumed = await allEvents(workflowId, replayed[cut - 1]?.id);
    assert.deepEqual(
      resumed.map((e) => e.id),
      replayed.slice(cut).map((e) => e.id),
    );
  });

  it('events follow an agent across continue-as-new and end with the last run', async () => {
    stack.mock.addScenario('client-long', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '5 * 5' } }], repeat: 4 }, { text: 'fin' }],
    });
    const workflowId = id('long');
    await client.startAgent(
      {
        agent: 'multiplier',
        instructions: 'Multiply.',
        input: 'Five times five, four times.',
        model: 'mock:client-long',
        tools: ['calculator'],
        continueAsNewAfterSteps: 2,
      },
      { id: workflowId },
    );
    const events = await allEvents(workflowId);
    const continued = events.filter((e) => e.type === 'run.continued');
    assert.equal(continued.length, 2, events.map((e) => e.type).join(', '));
    assert.deepEqual(
      continued.map((e) => e.type === 'run.continued' && e.afterStep),
      [2, 4],
    );
    const modelSteps = events
      .filter((e) => e.type === 'step.finished' && e.kind === 'model')
      .map((e) => e.type === 'step.finished' && e.step);
    assert.deepEqual(modelSteps, [1, 2, 3, 4, 5]);
    const ended = events.at(-1);
    assert.ok(ended?.type === 'run.ended' && ended.outcome.outcome === 'completed');
    const ids = events.map((e) => e.id.split(';')[0]).map(Number);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'root positions only grow',
    );

    // Its conversation went to the next runs by reference: the store has moved on, so a fork is refused clearly.
    await assert.rejects(
      client.fork(workflowId, { fromStep: 5 }),
      (err: { code?: string; message: string }) =>
        err.code === ClientErrorCode.ForkUnavailable && /conversation store/.test(err.message),
    );

    // Carried whole, the latest run can be forked; steps count across runs, and those of earlier runs are refused.
    const whole = id('long-whole');
    await client.startAgent(
      {
        agent: 'multiplier',
        instructions: 'Multiply.',
        input: 'Five times five, four times.',
        model: 'mock:client-long',
        tools: ['calculator'],
        continueAsNewAfterSteps: 2,
        conversationByReference: false,
      },
      { id: whole },
    );
    await client.result(whole);
    await assert.rejects(
      client.fork(whole, { fromStep: 1 }),
      (err: { code?: string; message: string }) =>
        err.code === ClientErrorCode.ForkUnavailable && /continued as new after step 4/.test(err.message),
    );
    await assert.rejects(client.fork(whole, { fromStep: 6 }), /out of range: run .* made 5 steps, so steps 5 to 5/);
    const forked = await client.fork(whole, { fromStep: 5, reason: 'again' });
    assert.notEqual(forked.runId, forked.previousRunId);
    const again = await client.result(whole);
    assert.ok(!isGraphResult(again) && again.text === 'fin');
  });

  it('cancel stops a run; result then throws RunFailedError with the outcome', async () => {
    stack.mock.addScenario('client-cancel', { turns: [{ text: 'slow', delayMs: 5_000 }] });
    const workflowId = id('cancel');
    await client.startAgent(writer('mock:client-cancel'), { id: workflowId });
    await sleep(300);
    await assert.rejects(
      client.approve(workflowId),
      (err: unknown) => err instanceof NoPendingApprovalError && err.code === 'NO_PENDING_APPROVAL',
    );
    await client.cancel(workflowId);
    await assert.rejects(client.result(workflowId), (err: unknown) => {
      assert.ok(err instanceof RunFailedError);
      assert.equal(err.outcome, 'cancelled');
      assert.equal(err.code, 'RUN_FAILED');
      return true;
    });
    await assert.rejects(client.cancel(workflowId), RunNotOpenError);
    await assert.rejects(client.approve(workflowId), RunNotOpenError);
    await assert.rejects(
      client.getState(`${workflowId}-missing`),
      (err: Error) => err.name === 'WorkflowNotFoundError',
    );
  });

  it('connectAgentClient reads TEMPORAL_* and AGENT_APPROVAL_SECRET; close() ends the connection', async () => {
    const connected = await connectAgentClient({
      env: {
        TEMPORAL_ADDRESS: stack.address,
        TEMPORAL_NAMESPACE: stack.namespace,
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
      },
    });
    try {
      assert.equal(connected.taskQueue, stack.taskQueue);
      assert.equal(connected.namespace, stack.namespace);
      const workflowId = id('connected');
      await connected.startAgent('research-assistant', { id: workflowId, model: 'mock:research-assistant' });
      const result = await connected.result(workflowId);
      assert.ok(!isGraphResult(result) && result.text.length > 0);
      await assert.rejects(connected.approve(workflowId), RunNotOpenError);
    } finally {
      await connected.close();
    }
    await assert.rejects(
      connectAgentClient({ env: { AGENT_APPROVAL_SECRET: 'short', TEMPORAL_ADDRESS: stack.address } }),
      /AGENT_APPROVAL_SECRET must be at least/,
    );
  });
});
