/**
 * Live run events, derived from successive snapshots of the `state` query (see run-poller.ts): a step started or
 * finished, an approval requested or decided, the cost changed, the run continued as new, the run ended. A child
 * run's events carry the child they came from.
 *
 * Every event has an id a consumer can resume after (`events(id, { after })`, or SSE's Last-Event-ID) without
 * seeing an event twice. Ids are derived from what the event is about, not from when it was seen, so a new
 * iterator gives the same event the same id: each stream (the run, and each child by its label) has a position
 * `step * 10000 + ordinal * 10 + phase`, where `ordinal` is the record's place among the step's records and
 * `phase` is 0 started, 1 approval requested, 2 approval decided, 3 finished, 4 cost changed (9999 within the
 * last step of a run is its continue-as-new, and the run's end is END_POSITION). An event's id is the cursor after
 * it: the root's position, then `;label:position` for each child seen so far, e.g. `20003;clerk-1:10003`.
 */
import type { Client } from '@temporalio/client';
import type { PendingApproval } from '../contracts/agent-contract';
import type { Usage } from '../contracts/messages';
import { textOf } from '../contracts/text';
import type { ChildSnapshot } from './children';
import { runOutcome, type RunOutcome } from './outcome';
import { pollRun, type PollOptions, type RunSnapshot } from './run-poller';
import { stepsBeforeRunOf } from './run-history';
import type { RunState } from './types';

/** The position of a run's end: after everything else. */
export const END_POSITION = Number.MAX_SAFE_INTEGER;

/** The child run an event came from. */
export interface EventChild {
  workflowId: string;
  /** How the graph names it: `clerk-1`. */
  label: string;
}

interface EventBase {
  /** Resume after this id to see only later events. */
  id: string;
  /** The root run's workflow id. */
  workflowId: string;
  /** Set for a child run's events. */
  child?: EventChild;
}

/** A step (a model call, a tool call, a graph node) began. */
export interface StepStartedEvent extends EventBase {
  type: 'step.started';
  step: number;
  kind: string;
  /** Model id, tool name or graph node. */
  name: string;
}

/** A step ended: `ok`, `error` or `rejected`, with its one-line summary. */
export interface StepFinishedEvent extends EventBase {
  type: 'step.finished';
  step: number;
  kind: string;
  name: string;
  status: string;
  summary: string;
  usage?: Usage;
}

/** An approval is waiting for a person; decide it with `approve(workflowId, { approvalId })` on the root run. */
export interface ApprovalRequestedEvent extends EventBase {
  type: 'approval.requested';
  approval: PendingApproval;
}

/** An approval seen pending by this iterator is pending no more. */
export interface ApprovalDecidedEvent extends EventBase {
  type: 'approval.decided';
  approvalId: string;
}

/** The tokens and cost of the run (or the child) so far. */
export interface CostChangedEvent extends EventBase {
  type: 'cost.changed';
  usage: Usage;
  costUsd: number;
}

/** The run continued as new: the workflow id stays, a new run carries on the step numbers and totals. */
export interface RunContinuedEvent extends EventBase {
  type: 'run.continued';
  previousRunId: string;
  runId: string;
  /** Steps made before the new run. */
  afterStep: number;
}

/** The run closed; `outcome` has the result or the root cause. Always the last event. */
export interface RunEndedEvent extends EventBase {
  type: 'run.ended';
  outcome: RunOutcome;
}

/** Any live run event. */
export type RunEvent =
  | StepStartedEvent
  | StepFinishedEvent
  | ApprovalRequestedEvent
  | ApprovalDecidedEvent
  | CostChangedEvent
  | RunContinuedEvent
  | RunEndedEvent;

/** Options of `events`. */
export interface EventsOptions extends PollOptions {
  /** Resume: only events after this id (one an earlier iterator gave). */
  after?: string;
}

/** An event without the fields the deriver fills in. */
type EventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'id' | 'workflowId' | 'child'>
    : never
  : never;

const ROOT = '';
type Cursor = Map<string, number>;

/** Parses an event id into its positions per stream; an unreadable id resumes from the start. */
export function parseEventId(id: string | undefined): Cursor {
  const cursor: Cursor = new Map();
  if (!id) return cursor;
  const [root, ...children] = id.split(';');
  const rootPos = Number(root);
  if (Number.isFinite(rootPos)) cursor.set(ROOT, rootPos);
  for (const part of children) {
    const at = part.lastIndexOf(':');
    const pos = Number(part.slice(at + 1));
    if (at > 0 && Number.isFinite(pos)) cursor.set(decodeURIComponent(part.slice(0, at)), pos);
  }
  return cursor;
}

function formatCursor(cursor: Cursor): string {
  const children = [...cursor.entries()]
    .filter(([k]) => k !== ROOT)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `;${encodeURIComponent(k)}:${v}`);
  return `${cursor.get(ROOT) ?? -1}${children.join('')}`;
}

const position = (step: number, ordinal: number, phase: number): number => step * 10000 + ordinal * 10 + phase;

interface Candidate {
  stream: string;
  pos: number;
  /** A graph step's end that lists children: their events go before it. */
  parent?: boolean;
  event: EventBody;
}

interface StepLike {
  step: number;
  kind: string;
  status: string;
  summary: unknown;
  usage?: Usage;
  name?: string;
  node?: string;
  children?: string[];
}

/** Each record with its position base (step, ordinal among the step's records). */
function positioned(steps: readonly StepLike[]): { record: StepLike; step: number; ordinal: number }[] {
  const seen = new Map<number, number>();
  return steps.map((record) => {
    const ordinal = seen.get(record.step) ?? 0;
    seen.set(record.step, ordinal + 1);
    return { record, step: record.step, ordinal };
  });
}

/** The record an approval belongs to: `step-N-call-K` (agent tool calls), `…-step-N` (graph gates). */
function approvalPosition(approvalId: string, steps: readonly StepLike[]): number {
  const local = approvalId.slice(approvalId.lastIndexOf('/') + 1);
  const call = /^step-(\d+)-call-(\d+)$/.exec(local);
  const placed = positioned(steps);
  if (call) {
    const step = Number(call[1]);
    const tools = placed.filter((p) => p.step === step && p.record.kind === 'tool');
    const hit = tools[Number(call[2]) - 1] ?? tools[0];
    if (hit) return position(hit.step, hit.ordinal, 1);
    return position(step, 0, 1);
  }
  const gate = /step-(\d+)$/.exec(local);
  if (gate) {
    const step = Number(gate[1]);
    const waiting = placed.find((p) => p.step === step && p.record.status === 'awaiting_approval');
    return position(step, waiting?.ordinal ?? 0, 1);
  }
  const last = placed.at(-1);
  return last ? position(last.step, last.ordinal, 1) : 1;
}

/** Turns snapshots into events, keeping what each stream has emitted. */
export class EventDeriver {
  private readonly cursor: Cursor;
  private readonly started = new Set<string>();
  private readonly pending = new Map<
    string,
    { stream: string; pos: number; child?: EventChild; childApprovalId?: string }
  >();
  /** Approvals seen decided; the root may still list a child's for a moment, until it reads the child again. */
  private readonly decided = new Set<string>();
  private readonly lastCost = new Map<string, string>();

  constructor(
    private readonly workflowId: string,
    after?: string,
  ) {
    this.cursor = parseEventId(after);
  }

  /** The events this snapshot adds, in order, each with its id. */
  update(snapshot: RunSnapshot, extra: Candidate[] = []): RunEvent[] {
    const root = snapshot.root;
    const early: Candidate[] = [...extra];
    const late: Candidate[] = [];
    const childCandidates: { child: EventChild; items: Candidate[] }[] = [];
    if (root) {
      this.streamCandidates(ROOT, root.steps as StepLike[], root, early, late);
      for (const child of snapshot.children) {
        const items: Candidate[] = [];
        this.streamCandidates(child.label, child.state.steps as StepLike[], child.state, items, items);
        childCandidates.push({ child: { workflowId: child.workflowId, label: child.label }, items });
      }
      this.approvalCandidates(root, snapshot.children, early, childCandidates);
    }
    const out: RunEvent[] = [];
    const emit = (c: Candidate, child?: EventChild): void => {
      const at = this.cursor.get(c.stream) ?? -1;
      if (c.pos <= at) return;
      this.cursor.set(c.stream, c.pos);
      out.push({
        ...c.event,
        id: formatCursor(this.cursor),
        workflowId: this.workflowId,
        ...(child ? { child } : {}),
      } as RunEvent);
    };
    // A child's events go before the graph step that started it finishes, so they read in the order they happened.
    let childrenDone = false;
    const flushChildren = (): void => {
      if (childrenDone) return;
      childrenDone = true;
      for (const { child, items } of childCandidates)
        for (const c of items.sort((a, b) => a.pos - b.pos)) emit(c, child);
    };
    for (const c of [...early, ...late].sort((a, b) => a.pos - b.pos)) {
      if (c.parent) flushChildren();
      emit(c);
    }
    flushChildren();
    return out;
  }

  /** The closing event. */
  end(outcome: RunOutcome): RunEvent[] {
    const out: RunEvent[] = [];
    const at = this.cursor.get(ROOT) ?? -1;
    if (at >= END_POSITION) return out;
    this.cursor.set(ROOT, END_POSITION);
    out.push({ type: 'run.ended', outcome, id: formatCursor(this.cursor), workflowId: this.workflowId });
    return out;
  }

  /** The event for a continue-as-new after `afterStep` steps. */
  continued(previousRunId: string, runId: string, afterStep: number): Candidate {
    return {
      stream: ROOT,
      pos: position(afterStep, 999, 9),
      event: { type: 'run.continued', previousRunId, runId, afterStep },
    };
  }

  private streamCandidates(
    stream: string,
    steps: StepLike[],
    state: RunState,
    early: Candidate[],
    late: Candidate[],
  ): void {
    for (const { record, step, ordinal } of positioned(steps)) {
      const name = record.name ?? record.node ?? '';
      const key = `${stream}#${step}.${ordinal}`;
      if (!this.started.has(key)) {
        this.started.add(key);
        early.push({
          stream,
          pos: position(step, ordinal, 0),
          event: { type: 'step.started', step, kind: record.kind, name },
        });
      }
      if (record.status === 'running' || record.status === 'awaiting_approval') continue;
      late.push({
        stream,
        pos: position(step, ordinal, 3),
        ...(record.children?.length ? { parent: true } : {}),
        event: {
          type: 'step.finished',
          step,
          kind: record.kind,
          name,
          status: record.status,
          summary: textOf(record.summary),
          ...(record.usage ? { usage: record.usage } : {}),
        },
      });
      const cost = `${state.usage.inputTokens}/${state.usage.outputTokens}/${state.cost.totalUsd}`;
      if (this.lastCost.get(stream) !== cost && state.usage.inputTokens + state.usage.outputTokens > 0) {
        this.lastCost.set(stream, cost);
        late.push({
          stream,
          pos: position(step, ordinal, 4),
          event: { type: 'cost.changed', usage: state.usage, costUsd: state.cost.totalUsd },
        });
      }
    }
  }

  /** Requested approvals (a child's in the child's stream, with the id the root answers to) and decided ones. */
  private approvalCandidates(
    root: RunState,
    children: readonly ChildSnapshot[],
    early: Candidate[],
    childCandidates: { child: EventChild; items: Candidate[] }[],
  ): void {
    const now = new Set(root.pendingApprovals.map((p) => p.approvalId));
    // A child's approval is decided when the child itself no longer waits for it: the root learns that later
    // (it reads the child's approvals when nudged), and by then the child's later steps may already be out.
    const stillPending = (approvalId: string, at: { child?: EventChild; childApprovalId?: string }): boolean => {
      if (!now.has(approvalId)) return false;
      if (!at.child || at.childApprovalId === undefined) return true;
      const childRun = children.find((c) => c.workflowId === at.child?.workflowId);
      return !childRun || childRun.state.pendingApprovals.some((p) => p.approvalId === at.childApprovalId);
    };
    for (const [approvalId, at] of [...this.pending]) {
      if (stillPending(approvalId, at)) continue;
      this.pending.delete(approvalId);
      this.decided.add(approvalId);
      const candidate: Candidate = {
        stream: at.stream,
        pos: at.pos + 1,
        event: { type: 'approval.decided', approvalId },
      };
      if (at.child) this.childItems(childCandidates, at.child).push(candidate);
      else early.push(candidate);
    }
    for (const approval of root.pendingApprovals) {
      if (this.pending.has(approval.approvalId) || this.decided.has(approval.approvalId)) continue;
      const childRun = approval.childWorkflowId
        ? children.find((c) => c.workflowId === approval.childWorkflowId)
        : undefined;
      if (approval.childWorkflowId && !childRun) continue; // placed once the child's own steps are known
      const stream = childRun ? childRun.label : ROOT;
      const steps = (childRun ? childRun.state.steps : root.steps) as StepLike[];
      const pos = approvalPosition(approval.approvalId, steps);
      const child = childRun ? { workflowId: childRun.workflowId, label: childRun.label } : undefined;
      this.pending.set(approval.approvalId, {
        stream,
        pos,
        ...(child ? { child } : {}),
        ...(child && approval.childApprovalId !== undefined ? { childApprovalId: approval.childApprovalId } : {}),
      });
      const candidate: Candidate = { stream, pos, event: { type: 'approval.requested', approval } };
      if (child) this.childItems(childCandidates, child).push(candidate);
      else early.push(candidate);
    }
  }

  private childItems(list: { child: EventChild; items: Candidate[] }[], child: EventChild): Candidate[] {
    let entry = list.find((c) => c.child.workflowId === child.workflowId);
    if (!entry) {
      entry = { child, items: [] };
      list.push(entry);
    }
    return entry.items;
  }
}

/**
 * Live events of a run until it ends (the last one is `run.ended`), following continue-as-new. Stops without an
 * error when `signal` aborts.
 */
export async function* runEvents(
  client: Client,
  workflowId: string,
  options: EventsOptions = {},
): AsyncGenerator<RunEvent, void, undefined> {
  const deriver = new EventDeriver(workflowId, options.after);
  let runId: string | undefined;
  let last: RunSnapshot | undefined;
  for await (const snapshot of pollRun(client, workflowId, options)) {
    const extra = [];
    if (runId !== undefined && snapshot.runId !== runId) {
      const afterStep = await stepsBeforeRunOf(client, workflowId, snapshot.runId);
      extra.push(deriver.continued(runId, snapshot.runId, afterStep));
    }
    runId = snapshot.runId;
    last = snapshot;
    yield* deriver.update(snapshot, extra);
  }
  if (options.signal?.aborted || !last || last.open) return;
  yield* deriver.end(await runOutcome(client, workflowId));
}
