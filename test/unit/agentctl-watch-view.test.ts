/**
 * The pure parts of agentctl's live commands: what `watch` prints for successive states, where `fork`
 * resets a history to, and which approval a decision without --approval means.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import type { AgentState, PendingApproval, StepRecord } from '../../src/contracts/agent-contract';
import type { GraphRunState } from '../../src/contracts/graph-contract';
import { emptyLedger } from '../../src/contracts/pricing';
import { chooseApproval } from '../../src/client/decide';
import { findForkPoint } from '../../src/client/fork';
import { runningTotals, WatchView, type WatchSnapshot } from '../../src/cli/watch-view';
import { Spinner } from '../../src/cli/watch';

const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, cachedInputTokens: 0 });
const ledger = (totalUsd: number) => ({ ...emptyLedger(), totalUsd });

function agentState(steps: StepRecord[], extra: Partial<AgentState> = {}): AgentState {
  return {
    workflowType: 'agentWorkflow',
    agent: 'clerk',
    model: 'mock:x',
    status: 'running',
    step: steps.length,
    maxSteps: 5,
    steps,
    pendingApprovals: [],
    usage: usage(0, 0),
    cost: ledger(0),
    lastMessages: [],
    ...extra,
  };
}

function graphState(extra: Partial<GraphRunState>): GraphRunState {
  return {
    workflowType: 'graphWorkflow',
    graph: 'g',
    status: 'running',
    step: 1,
    visits: {},
    steps: [],
    decisions: [],
    values: {},
    pendingApprovals: [],
    usage: usage(0, 0),
    cost: ledger(0),
    ...extra,
  };
}

const approval: PendingApproval = {
  approvalId: 'step-1-call-1',
  what: 'tool write_file',
  why: 'write_file needs approval',
  proposed: '{"path":"a.md"}',
  requestedAt: '2026-01-01T00:00:00Z',
};

describe('WatchView', () => {
  it('prints each step once per change, the totals when they move, and a pending approval with its action', () => {
    const view = new WatchView('run-1');
    const model: StepRecord = { step: 1, kind: 'model', name: 'mock:x', status: 'running', summary: '' };
    const first = view.update({ root: agentState([model]), children: [] });
    assert.deepEqual(first, [
      'watching run-1: agent clerk · mock:x · at most 5 steps',
      'step 1 · model mock:x · running',
    ]);
    assert.deepEqual(view.update({ root: agentState([model]), children: [] }), [], 'nothing new, nothing printed');

    const done = { ...model, status: 'ok' as const, summary: 'asked for write_file' };
    const tool: StepRecord = {
      step: 1,
      kind: 'tool',
      name: 'write_file',
      status: 'awaiting_approval',
      summary: '{"path":"a.md"}',
    };
    const waiting = agentState([done, tool], {
      status: 'awaiting_approval',
      pendingApprovals: [approval],
      usage: usage(100, 20),
      cost: ledger(0.00012),
    });
    const lines = view.update({ root: waiting, children: [] });
    assert.deepEqual(lines.slice(0, 3), [
      'step 1 · model mock:x · ok · asked for write_file',
      'step 1 · tool write_file · awaiting_approval · {"path":"a.md"}',
      '  tokens 120 (100 in, 20 out) · cost $0.000120',
    ]);
    assert.equal(lines[3], 'awaiting approval step-1-call-1: tool write_file');
    assert.ok(lines.includes('  proposed: {"path":"a.md"}'));
    assert.ok(lines.some((l) => l.includes('agentctl approve run-1 --approval step-1-call-1')));
    assert.equal(lines.at(-1), 'status: awaiting approval');

    const resumed = view.update({
      root: agentState([done, { ...tool, status: 'running' }], { usage: usage(100, 20), cost: ledger(0.00012) }),
      children: [],
    });
    assert.deepEqual(resumed, [
      'approval step-1-call-1 decided',
      'step 1 · tool write_file · running · {"path":"a.md"}',
      'status: running',
    ]);
    assert.deepEqual(view.end({ status: 'completed' }), ['run run-1 completed']);
  });

  it("puts a child's steps under the graph step that started it and adds running children to the totals", () => {
    const view = new WatchView('g-1');
    const child = (steps: StepRecord[], status: AgentState['status'] = 'running') => ({
      workflowId: 'g-1/clerk-1',
      label: 'clerk-1',
      state: agentState(steps, { status, usage: usage(10, 5), cost: ledger(0.001) }),
    });
    const modelStep: StepRecord = { step: 1, kind: 'model', name: 'mock:x', status: 'ok', summary: 'hi' };
    const running: WatchSnapshot = {
      root: graphState({ steps: [{ step: 1, node: 'file', kind: 'agent', status: 'running', summary: '' }] }),
      children: [child([modelStep])],
    };
    assert.deepEqual(runningTotals('g-1', running), { usage: usage(10, 5), costUsd: 0.001 });
    assert.deepEqual(view.update(running), [
      'watching g-1: graph g',
      '[g] step 1 · agent file · running',
      '  [clerk-1] step 1 · model mock:x · ok · hi',
      '  tokens 15 (10 in, 5 out) · cost $0.001000',
    ]);

    const finished: WatchSnapshot = {
      root: graphState({
        status: 'completed',
        steps: [{ step: 1, node: 'file', kind: 'agent', status: 'ok', summary: 'done', children: ['clerk-1'] }],
        usage: usage(10, 5),
        cost: ledger(0.001),
      }),
      children: [child([modelStep, { ...modelStep, step: 2, summary: 'bye' }], 'completed')],
    };
    assert.deepEqual(runningTotals('g-1', finished), { usage: usage(10, 5), costUsd: 0.001 }, 'no double count');
    assert.deepEqual(view.update(finished), [
      '  [clerk-1] step 2 · model mock:x · ok · bye',
      '[g] step 1 · agent file · ok · done [children: clerk-1]',
    ]);
  });
});

describe('findForkPoint', () => {
  type Event = temporal.api.history.v1.IHistoryEvent;
  // fromObject turns the numbers into the protobuf Longs real history carries.
  const scheduled = (eventId: number, name: string, completedId: number): Event =>
    temporal.api.history.v1.HistoryEvent.fromObject({
      eventId,
      activityTaskScheduledEventAttributes: { activityType: { name }, workflowTaskCompletedEventId: completedId },
    });
  const events: Event[] = [
    scheduled(5, 'describeTools', 4),
    scheduled(11, 'callModel', 10),
    scheduled(17, 'runTool', 16),
    scheduled(23, 'callModel', 22),
  ];

  it('finds the workflow task that scheduled the Nth model call', () => {
    const point = findForkPoint(events, 2);
    assert.ok(point.ok);
    assert.equal(Number(point.eventId), 22);
    assert.equal(point.modelCalls, 2);
  });

  it('refuses steps out of range', () => {
    assert.deepEqual(findForkPoint(events, 3), { ok: false, modelCalls: 2 });
    assert.deepEqual(findForkPoint(events, 0), { ok: false, modelCalls: 2 });
  });

  it('counts steps, not model calls: a call that failed over to a fallback model is the same step', () => {
    const failed = (eventId: number, scheduledEventId: number): Event =>
      temporal.api.history.v1.HistoryEvent.fromObject({
        eventId,
        activityTaskFailedEventAttributes: { scheduledEventId },
      });
    const completed = (eventId: number, scheduledEventId: number): Event =>
      temporal.api.history.v1.HistoryEvent.fromObject({
        eventId,
        activityTaskCompletedEventAttributes: { scheduledEventId },
      });
    const withFallback: Event[] = [
      scheduled(5, 'callModel', 4),
      failed(7, 5),
      scheduled(11, 'callModel', 10),
      completed(13, 11),
      scheduled(17, 'runTool', 16),
      completed(19, 17),
      scheduled(23, 'callModel', 22),
    ];
    const second = findForkPoint(withFallback, 2);
    assert.ok(second.ok);
    assert.equal(Number(second.eventId), 22);
    assert.equal(second.modelCalls, 2);
    const first = findForkPoint(withFallback, 1);
    assert.ok(first.ok);
    assert.equal(Number(first.eventId), 4, 'the step starts with its first model call');
  });
});

describe('chooseApproval', () => {
  const second = { ...approval, approvalId: 'step-1-call-2' };
  it('picks the only pending approval, or the one named', () => {
    assert.equal(chooseApproval('r', [approval], undefined), approval);
    assert.equal(chooseApproval('r', [approval, second], 'step-1-call-2'), second);
    assert.equal(chooseApproval('r', [approval], 'other'), undefined, 'left to the workflow to refuse');
  });
  it('lists the pending approvals when several wait and none is named', () => {
    assert.throws(
      () => chooseApproval('r', [approval, second], undefined),
      /run r has 2 pending approvals; name one with --approval: step-1-call-1 \(tool write_file\), step-1-call-2/,
    );
    assert.throws(() => chooseApproval('r', [], undefined), /run r has no pending approval/);
  });
});

describe('Spinner', () => {
  it('draws only on a terminal, in place, and clears itself', () => {
    const written: string[] = [];
    const pipe = new Spinner({ isTTY: false, write: (t: string) => written.push(t) });
    pipe.draw('waiting for approval');
    pipe.clear();
    assert.equal(written.length, 0, 'nothing is drawn into a pipe');

    const tty = new Spinner({ isTTY: true, write: (t: string) => written.push(t) });
    tty.draw('waiting for approval');
    tty.draw('waiting for approval');
    tty.clear();
    tty.clear();
    assert.deepEqual(written, ['\r\x1b[K⠋ waiting for approval', '\r\x1b[K⠙ waiting for approval', '\r\x1b[K']);
  });
});

describe('watch totals with an unpriced model', () => {
  it('say the cost leaves the unpriced model out, on the running and the closing line', () => {
    const cost = { ...ledger(0), unpricedModels: ['openai:local-llama'] };
    const state = agentState([], { usage: usage(10, 5), cost });
    const view = new WatchView('u-1');
    const lines = view.update({ root: state, children: [] });
    assert.ok(
      lines.some((l) => l.includes('cost $0.000000 (unpriced, not counted: openai:local-llama)')),
      lines.join('\n'),
    );
    const end = view.end({ status: 'completed' }, { root: state, children: [] });
    assert.match(end[0] ?? '', /cost \$0\.000000 \(unpriced, not counted: openai:local-llama\)/);
  });
});
