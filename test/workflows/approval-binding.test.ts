/**
 * An approval approves exactly what the person was shown, in exactly one run, on a real dev server with
 * AGENT_APPROVAL_SECRET set: forged `childApprovals` reports change nothing a person sees or approves and do not
 * hold up continue-as-new; a signed decision captured from history is refused in a second run of the same
 * workflow id, after a fork (a Temporal reset) and in a sibling branch of a parallel node; and a decision whose
 * approval times out while a slowed verification runs, or whose verification fails, neither fails a workflow
 * task nor the run.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import {
  ApplicationFailure,
  WorkflowUpdateFailedError,
  type QueryDefinition,
  type WorkflowHandle,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { z } from 'zod';
import { defineTool } from '../../src/activities/tools/define-tool';
import {
  AGENT_WORKFLOW_TYPE,
  approveSignal,
  childApprovalsSignal,
  decideUpdate,
  stateQuery,
  type AgentState,
  type ChildApprovalsReport,
  type DecideInput,
  type PendingApproval,
} from '../../src/contracts/agent-contract';
import type { ApprovalBinding } from '../../src/contracts/approval-binding';
import { ErrorType } from '../../src/contracts/errors';
import { GRAPH_WORKFLOW_TYPE, graphStateQuery } from '../../src/contracts/graph-contract';
import { signDecision } from '../../src/security/approval-signature';
import type { agentWorkflow, graphWorkflow } from '../../src/workflows';
import { logsOf, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

const SECRET = randomUUID();

/** Invoices paid, by the workflow id of the run that paid them: a second payment shows up here. */
const paid: { workflowId: string; invoice: string }[] = [];
const payInvoice = defineTool({
  name: 'pay_invoice',
  description: 'Pay an invoice.',
  schema: z.object({ invoice: z.string() }),
  sideEffects: 'destructive',
  run: ({ invoice }, call) => {
    paid.push({ workflowId: call.idempotencyKey.split(':')[0] as string, invoice });
    return `paid ${invoice}`;
  },
});

/** Runs whose decision check is slowed (to race an approval timeout) or made to fail. */
const slowVerification = new Map<string, number>();
const failingVerification = new Set<string>();
const verificationControl: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      const info = Context.current().info;
      if (info.activityType === 'verifyApprovalDecision') {
        const workflowId = info.workflowExecution?.workflowId ?? '';
        const delay = slowVerification.get(workflowId);
        if (delay) await sleep(delay);
        if (failingVerification.has(workflowId)) {
          throw ApplicationFailure.create({ type: 'VerifierDown', message: 'verifier down', nonRetryable: true });
        }
      }
      return next(input);
    },
  },
});

const stack = useTestStack({
  approvalSecret: SECRET,
  tools: [payInvoice],
  extra: { activityInterceptors: [verificationControl] },
});

let n = 0;
const id = (what: string) => `binding-${process.pid}-${what}-${++n}`;

const payScenario = (name: string, invoice: string) =>
  stack.mock.addScenario(name, {
    turns: [{ toolCalls: [{ name: 'pay_invoice', arguments: { invoice } }] }, { text: `paid ${invoice}` }],
  });

const agentArgs = (model: string, extra: Record<string, unknown> = {}) => ({
  instructions: 'pay',
  input: 'pay it',
  model,
  tools: ['pay_invoice'],
  ...extra,
});

async function pendingOf(
  handle: WorkflowHandle,
  count = 1,
  query: QueryDefinition<{ pendingApprovals: PendingApproval[] }> = stateQuery,
): Promise<PendingApproval[]> {
  let pending: PendingApproval[] = [];
  await waitFor(`${count} pending approval(s) in ${handle.workflowId}`, async () => {
    pending = (await handle.query(query)).pendingApprovals;
    return pending.length >= count;
  });
  return pending;
}

/** What a client binds a decision on `pending` to, as the `state` query shows it. */
function bindingOf(workflowId: string, pending: PendingApproval): ApprovalBinding {
  return {
    namespace: stack.namespace,
    workflowId,
    runId: pending.runId!,
    approvalId: pending.approvalId,
    digest: pending.digest!,
  };
}

/** The decisions a run received by signal, read back from its history as anyone who can read it would. */
async function capturedDecisions(handle: WorkflowHandle, name = 'approve'): Promise<Record<string, unknown>[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a) => a?.signalName === name)
    .map((a) => defaultPayloadConverter.fromPayload(a!.input!.payloads![0]!));
}

async function refusalOf(update: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await update.then(
    () => assert.fail('the update should be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
  return err.cause;
}

async function refusedIn(handle: WorkflowHandle, count: number): Promise<NonNullable<AgentState['refusedDecisions']>> {
  let refused: AgentState['refusedDecisions'] = [];
  await waitFor(`${count} refused decision(s) in ${handle.workflowId}`, async () => {
    refused = (await handle.query(stateQuery)).refusedDecisions ?? [];
    return refused.length >= count;
  });
  return refused!;
}

/** A run's result, or a failed test instead of a hang when a workflow task is stuck. */
async function resultWithin<T>(handle: WorkflowHandle, ms = 30_000): Promise<T> {
  const timer = sleep(ms).then(() => assert.fail(`${handle.workflowId} did not finish within ${ms} ms`));
  return Promise.race([handle.result() as Promise<T>, timer]);
}

async function workflowTaskFailures(handle: WorkflowHandle): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
}

describe('forged childApprovals reports', () => {
  it('change nothing a person sees or approves at the root of a graph', async () => {
    payScenario('b-forge', 'INV-REAL');
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('forge-graph'),
      args: [
        {
          spec: {
            name: 'forge',
            agents: { payer: { instructions: 'pay', model: 'mock:b-forge', tools: ['pay_invoice'] } },
            state: { report: { type: 'string' } },
            entry: 'pay',
            nodes: {
              pay: { kind: 'agent', agent: 'payer', input: 'pay', output: 'report', next: 'done' },
              done: { kind: 'end', output: 'report' },
            },
          },
        },
      ],
    });
    const [real] = await pendingOf(handle, 1, graphStateQuery);
    const child = real!.childWorkflowId!;
    assert.equal(real!.approvalId, 'payer-1/step-1-call-1');
    assert.equal(real!.proposed, '{"invoice":"INV-REAL"}');

    // Alter the real approval's arguments, add one from a child that does not exist, hide the real one.
    const forged = { ...real!, approvalId: 'step-1-call-1', proposed: '{"invoice":"INV-EVIL"}' };
    await handle.signal(childApprovalsSignal, { childWorkflowId: child, pending: [forged] });
    await handle.signal(childApprovalsSignal, {
      childWorkflowId: `${handle.workflowId}/ghost`,
      pending: [{ ...forged, approvalId: 'step-9-call-9' }],
    });
    await handle.signal(childApprovalsSignal, { childWorkflowId: child, pending: [] });
    await logsOf(handle.workflowId, (lines) =>
      lines.some((l) => l.msg === 'childApprovals signal ignored: not a child run this run started'),
    );
    // Each report for the real child made the root read it again; the list stays what the child holds.
    for (let i = 0; i < 15; i++) {
      const shown = (await handle.query(graphStateQuery)).pendingApprovals;
      assert.deepEqual(
        shown.map((p) => [p.approvalId, p.proposed, p.digest]),
        [[real!.approvalId, real!.proposed, real!.digest]],
        'a forged report changed what the root shows',
      );
      await sleep(100);
    }

    // A decision on what the root shows pays exactly what the child proposed.
    const answer = await handle.executeUpdate(decideUpdate, {
      args: [
        { ...signDecision({ by: 'ann' }, bindingOf(handle.workflowId, real!), 'approve', SECRET), decision: 'approve' },
      ],
    });
    assert.equal(answer.forwardedTo, child);
    assert.equal((await resultWithin<{ output: unknown }>(handle)).output, 'paid INV-REAL');
    assert.deepEqual(
      paid.filter((p) => p.workflowId === child).map((p) => p.invoice),
      ['INV-REAL'],
    );
  });

  it('sent to an agent with no children, shows nothing and does not hold up continue-as-new', async () => {
    stack.mock.addScenario('b-forge-can', {
      turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }], repeat: 3 }, { text: 'done' }],
    });
    const workflowId = id('forge-can');
    const fake: PendingApproval = {
      approvalId: 'step-1-call-1',
      what: 'tool pay_invoice',
      why: 'forged',
      proposed: '{"invoice":"INV-EVIL"}',
      requestedAt: new Date().toISOString(),
    };
    // Delivered with the start, so it is there before the first step can continue as new.
    const handle = await stack.client.workflow.signalWithStart<typeof agentWorkflow, [ChildApprovalsReport]>(
      AGENT_WORKFLOW_TYPE,
      {
        taskQueue: stack.taskQueue,
        workflowId,
        args: [
          {
            instructions: 'add',
            input: 'add',
            model: 'mock:b-forge-can',
            tools: ['calculator'],
            continueAsNewAfterSteps: 1,
          },
        ],
        signal: childApprovalsSignal,
        signalArgs: [{ childWorkflowId: `${workflowId}/ghost`, pending: [fake] }],
      },
    );
    assert.deepEqual((await handle.query(stateQuery)).pendingApprovals, []);
    const result = await resultWithin<{ text: string; runs?: number }>(stack.client.workflow.getHandle(workflowId));
    assert.equal(result.text, 'done');
    assert.ok((result.runs ?? 1) >= 3, `continued as new (${result.runs ?? 1} runs)`);
  });
});

describe('a captured signed decision', () => {
  it('is refused in a second run with the same workflow id', async () => {
    payScenario('b-rerun', 'INV-1');
    const workflowId = id('rerun');
    const first = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [agentArgs('mock:b-rerun')],
    });
    const [pending] = await pendingOf(first);
    await first.signal(approveSignal, signDecision({ by: 'ann' }, bindingOf(workflowId, pending!), 'approve', SECRET));
    await resultWithin(first);
    const [captured] = await capturedDecisions(first);

    const second = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [agentArgs('mock:b-rerun')],
    });
    const [again] = await pendingOf(second);
    // Same id and same content as the captured decision: only the run differs.
    assert.equal(again!.approvalId, pending!.approvalId);
    assert.equal(again!.digest, pending!.digest);
    assert.notEqual(again!.runId, pending!.runId);

    await second.signal(approveSignal, captured as never);
    const [refused] = await refusedIn(second, 1);
    assert.match(refused!.problem, /decision was made for run .*; this is run .* \(a new run or a fork\)/);
    const update = await refusalOf(
      second.executeUpdate(decideUpdate, { args: [{ ...(captured as object), decision: 'approve' } as DecideInput] }),
    );
    assert.equal(update.type, ErrorType.ApprovalBindingMismatch);
    assert.match(update.message, /a new run or a fork/);
    assert.equal((await second.query(stateQuery)).pendingApprovals.length, 1, 'still waiting');
    assert.equal(paid.filter((p) => p.workflowId === workflowId).length, 1, 'only the first run paid');

    await second.signal(approveSignal, signDecision({ by: 'ann' }, bindingOf(workflowId, again!), 'approve', SECRET));
    await resultWithin(second);
    assert.equal(paid.filter((p) => p.workflowId === workflowId).length, 2);
  });

  it('is refused after a fork (a Temporal reset) re-raises the same approval', async () => {
    payScenario('b-fork', 'INV-2');
    const workflowId = id('fork');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [agentArgs('mock:b-fork')],
    });
    const [pending] = await pendingOf(handle);
    await handle.signal(approveSignal, signDecision({ by: 'ann' }, bindingOf(workflowId, pending!), 'approve', SECRET));
    await resultWithin(handle);
    const [captured] = await capturedDecisions(handle);

    // Fork from the first model call, without re-applying the old signals, as `agentctl fork` does.
    const { events } = await handle.fetchHistory();
    const modelCall = (events ?? []).find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel',
    );
    const reset = await stack.client.workflowService.resetWorkflowExecution({
      namespace: stack.namespace,
      workflowExecution: { workflowId, runId: handle.firstExecutionRunId },
      reason: 'fork in test',
      workflowTaskFinishEventId: modelCall!.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId,
      requestId: randomUUID(),
      resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
    });
    const fork = stack.client.workflow.getHandle(workflowId, reset.runId!);
    const [reraised] = await pendingOf(fork);
    assert.equal(reraised!.approvalId, pending!.approvalId);
    assert.equal(reraised!.digest, pending!.digest);

    await fork.signal(approveSignal, captured as never);
    const [refused] = await refusedIn(fork, 1);
    assert.match(refused!.problem, /a new run or a fork/);
    const update = await refusalOf(
      fork.executeUpdate(decideUpdate, { args: [{ ...(captured as object), decision: 'approve' } as DecideInput] }),
    );
    assert.equal(update.type, ErrorType.ApprovalBindingMismatch);
    assert.equal((await fork.query(stateQuery)).pendingApprovals.length, 1, 'the fork still waits');
    await fork.signal(approveSignal, signDecision({ by: 'ann' }, bindingOf(workflowId, reraised!), 'approve', SECRET));
    await resultWithin(fork);
  });

  it('is refused in a sibling branch of a parallel node, however the same its call looks', async () => {
    // Both branches propose the very same call, so their approvals share id and digest inside the children.
    payScenario('b-branch', 'INV-SAME');
    const handle = await stack.client.workflow.start<typeof graphWorkflow>(GRAPH_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('branches'),
      args: [
        {
          spec: {
            name: 'branches',
            agents: { payer: { instructions: 'pay', model: 'mock:b-branch', tools: ['pay_invoice'] } },
            state: { items: { type: 'array' }, answers: { type: 'array' } },
            entry: 'fan',
            nodes: {
              fan: {
                kind: 'parallel',
                over: 'items',
                agent: 'payer',
                input: 'pay {{item}}',
                output: 'answers',
                next: 'done',
              },
              done: { kind: 'end', output: 'answers' },
            },
          },
          input: { items: ['a', 'b'] },
        },
      ],
    });
    const shown = await pendingOf(handle, 2, graphStateQuery);
    const [one, two] = ['payer-1-1/step-1-call-1', 'payer-1-2/step-1-call-1'].map((approvalId) =>
      shown.find((p) => p.approvalId === approvalId)!,
    );
    assert.equal(one!.digest, two!.digest, 'same content in both branches');

    // Approve branch one at the root; the root passes the decision down to that child.
    await handle.signal(
      approveSignal,
      signDecision({ by: 'ann' }, bindingOf(handle.workflowId, one!), 'approve', SECRET),
    );
    const branchOne = stack.client.workflow.getHandle(one!.childWorkflowId!);
    const branchTwo = stack.client.workflow.getHandle(two!.childWorkflowId!);
    await waitFor('branch one paid', () => paid.some((p) => p.workflowId === branchOne.workflowId));
    const [atRoot] = await capturedDecisions(handle);
    const [passedDown] = await capturedDecisions(branchOne);

    // Replayed into the sibling child with the id it has there, and at the root for the sibling's id.
    await branchTwo.signal(approveSignal, passedDown as never);
    const [refused] = await refusedIn(branchTwo, 1);
    assert.match(refused!.problem, /approval payer-1-1\/step-1-call-1, not payer-1-2\/step-1-call-1/);
    const update = await refusalOf(
      handle.executeUpdate(decideUpdate, {
        args: [{ ...(atRoot as object), approvalId: two!.approvalId, decision: 'approve' } as DecideInput],
      }),
    );
    assert.equal(update.type, ErrorType.ApprovalBindingMismatch);
    assert.match(update.message, /not payer-1-2\/step-1-call-1/);
    await handle.signal(approveSignal, { ...(atRoot as object), approvalId: two!.approvalId } as never);
    await logsOf(handle.workflowId, (lines) => lines.some((l) => l.msg === 'decision refused'));
    assert.equal(paid.filter((p) => p.workflowId === branchTwo.workflowId).length, 0, 'the sibling did not pay');
    assert.deepEqual(
      (await handle.query(graphStateQuery)).pendingApprovals.map((p) => p.approvalId),
      [two!.approvalId],
    );

    await handle.signal(
      approveSignal,
      signDecision({ by: 'ann' }, bindingOf(handle.workflowId, two!), 'approve', SECRET),
    );
    assert.deepEqual((await resultWithin<{ output: unknown }>(handle)).output, ['paid INV-SAME', 'paid INV-SAME']);
  });
});

describe('decision races', () => {
  it('an approval that times out while its decision is verified answers "no longer pending"; the run goes on', async () => {
    payScenario('b-race', 'INV-R');
    const start = (what: string) =>
      stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
        taskQueue: stack.taskQueue,
        workflowId: id(what),
        args: [agentArgs('mock:b-race', { approvalTimeout: { after: '1s', onTimeout: 'reject' } })],
      });
    const byUpdate = await start('race-update');
    const bySignal = await start('race-signal');
    for (const h of [byUpdate, bySignal]) slowVerification.set(h.workflowId, 3000);
    const [u] = await pendingOf(byUpdate);
    const [s] = await pendingOf(bySignal);

    const [update] = await Promise.all([
      refusalOf(
        byUpdate.executeUpdate(decideUpdate, {
          args: [
            {
              ...signDecision({ by: 'ann' }, bindingOf(byUpdate.workflowId, u!), 'approve', SECRET),
              decision: 'approve',
            },
          ],
        }),
      ),
      bySignal.signal(
        approveSignal,
        signDecision({ by: 'ann' }, bindingOf(bySignal.workflowId, s!), 'approve', SECRET),
      ),
    ]);
    assert.equal(update.type, ErrorType.ApprovalNoLongerPending);
    assert.match(update.message, /no longer pending \(it timed out while the decision was being verified\)/);

    for (const h of [byUpdate, bySignal]) {
      const result = await resultWithin<{ steps: { kind: string; status: string }[] }>(h);
      assert.equal(result.steps.find((step) => step.kind === 'tool')?.status, 'rejected', 'the timeout acted');
      assert.equal(await workflowTaskFailures(h), 0, `${h.workflowId}: no workflow task failed`);
      assert.equal(paid.filter((p) => p.workflowId === h.workflowId).length, 0);
    }
    const lines = await logsOf(bySignal.workflowId, (all) =>
      all.some((l) => l.msg === 'decision ignored' && /no longer pending/.test(String(l.problem))),
    );
    assert.ok(lines.some((l) => l.msg === 'decision ignored' && /no longer pending/.test(String(l.problem))));
  });

  it('a verification that fails inside a signal handler ignores the decision instead of failing the run', async () => {
    payScenario('b-verifier-down', 'INV-D');
    const handle = await stack.client.workflow.start<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      taskQueue: stack.taskQueue,
      workflowId: id('verifier-down'),
      args: [agentArgs('mock:b-verifier-down')],
    });
    failingVerification.add(handle.workflowId);
    const [pending] = await pendingOf(handle);
    const decision = signDecision({ by: 'ann' }, bindingOf(handle.workflowId, pending!), 'approve', SECRET);
    await handle.signal(approveSignal, decision);
    const [refused] = await refusedIn(handle, 1);
    assert.match(refused!.problem, /could not be verified: .*verifier down/);
    const update = await refusalOf(
      handle.executeUpdate(decideUpdate, { args: [{ ...decision, decision: 'approve' }] }),
    );
    assert.equal(update.type, ErrorType.ApprovalRefused);
    assert.equal((await handle.describe()).status.name, 'RUNNING');

    failingVerification.delete(handle.workflowId);
    await handle.signal(approveSignal, decision);
    await resultWithin(handle);
    assert.equal(await workflowTaskFailures(handle), 0);
    assert.equal(paid.filter((p) => p.workflowId === handle.workflowId).length, 1);
  });
});
