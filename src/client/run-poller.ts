/**
 * Following a run live: polls its `state` query (and its children's, for graph runs) and the server's description,
 * until the run ends. A handle without a run id follows a run that continued as new to its latest run, so the
 * snapshots do too. Both `events()` and `agentctl watch` are built on these snapshots.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { childIdsOf, childLabel, type ChildSnapshot } from './children';
import { queryState } from './live-state';
import type { RunState } from './types';

/** Everything known after one poll. */
export interface RunSnapshot {
  workflowId: string;
  /** The run polled: the latest of the workflow id. */
  runId: string;
  /** Temporal's status (`RUNNING`, `COMPLETED`, `CONTINUED_AS_NEW`…). */
  status: string;
  /** False once the run has closed: this is the last snapshot. */
  open: boolean;
  taskQueue: string;
  description: WorkflowExecutionDescription;
  /** The live state, when a worker answered the query. */
  root?: RunState;
  children: ChildSnapshot[];
  /** Why the live state could not be read this time. */
  problem?: string;
}

/** Options of a poll loop. */
export interface PollOptions {
  /** Between polls (default 500 ms). */
  intervalMs?: number;
  /** Stops the loop (the iterator then ends without an error). */
  signal?: AbortSignal;
}

/** Workflow ids of the children worth polling: those the server says are running, and those the graph lists. */
function childIds(workflowId: string, description: WorkflowExecutionDescription, root: RunState): string[] {
  const running = (description.raw.pendingChildren ?? []).map((c) => c.workflowId ?? '').filter(Boolean);
  return [...new Set([...childIdsOf(workflowId, root), ...running])];
}

/** Polls children; a child that has ended is read once more and then left alone. */
class ChildPoller {
  private readonly finished = new Map<string, ChildSnapshot>();
  private readonly last = new Map<string, ChildSnapshot>();

  constructor(
    private readonly client: Client,
    private readonly rootId: string,
  ) {}

  async poll(ids: string[], taskQueue: string): Promise<ChildSnapshot[]> {
    const out: ChildSnapshot[] = [];
    for (const id of ids) {
      const done = this.finished.get(id);
      if (done) {
        out.push(done);
        continue;
      }
      const answer = await queryState(this.client, id, taskQueue);
      if (answer.ok && answer.state.workflowType === 'agentWorkflow') {
        const snap = { workflowId: id, label: childLabel(this.rootId, id), state: answer.state };
        this.last.set(id, snap);
        if (!['running', 'awaiting_approval'].includes(answer.state.status)) this.finished.set(id, snap);
      }
      const known = this.last.get(id);
      if (known) out.push(known);
    }
    return out;
  }
}

const isOpen = (status: string): boolean => status === 'RUNNING' || status === 'CONTINUED_AS_NEW';

/**
 * Snapshots of the run until it closes; the last one has `open: false`. The first describe throws
 * WorkflowNotFoundError for an unknown id.
 */
export async function* pollRun(
  client: Client,
  workflowId: string,
  options: PollOptions = {},
): AsyncGenerator<RunSnapshot, void, undefined> {
  const handle = client.workflow.getHandle(workflowId);
  const children = new ChildPoller(client, workflowId);
  let description = await handle.describe();
  for (;;) {
    const status = description.status.name;
    const open = isOpen(status);
    const answer = await queryState(client, workflowId, description.taskQueue);
    const snapshot: RunSnapshot = {
      workflowId,
      runId: description.runId,
      status,
      open,
      taskQueue: description.taskQueue,
      description,
      children: [],
    };
    if (answer.ok) {
      snapshot.root = answer.state;
      snapshot.children = await children.poll(childIds(workflowId, description, answer.state), description.taskQueue);
    } else {
      snapshot.problem = answer.reason;
    }
    yield snapshot;
    if (!open || options.signal?.aborted) return;
    try {
      await sleep(options.intervalMs ?? 500, undefined, { signal: options.signal });
    } catch {
      // Aborted while waiting: the caller has stopped listening.
      return;
    }
    description = await handle.describe();
  }
}
