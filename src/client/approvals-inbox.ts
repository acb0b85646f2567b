/**
 * Every approval waiting for a person, across runs: the runs visibility marks `AwaitingApproval = true`, then
 * each one's `state` query (a few at a time). An approval raised in a child run shows where it is decided: at the
 * run that surfaces it (the root of the tree), not a second time at the child.
 */
import type { Client } from '@temporalio/client';
import type { PendingApproval } from '../contracts/agent-contract';
import { toolDefinition, toolSpecsByName } from '../contracts/tool-specs';
import { listRuns, type RunSummary } from './list';
import { queryState } from './live-state';

/** Runs read at most; more waiting runs make the answer `truncated`. */
export const INBOX_MAX_RUNS = 100;
/** State queries in flight at once. */
const INBOX_PARALLELISM = 8;

export interface InboxApproval {
  workflowId: string;
  runId: string;
  agent?: string;
  approvalId: string;
  what: string;
  why: string;
  proposed: string;
  requestedAt: string;
  childWorkflowId?: string;
  approvers?: string[];
  /** JSON schema of the tool's arguments, for the tools this client knows (the built-in ones). */
  argumentsSchema?: Record<string, unknown>;
}

export interface ApprovalsInbox {
  approvals: InboxApproval[];
  truncated: boolean;
}

/** The arguments' JSON schema of a built-in tool named by `tool <name>`; none for other tools and gates. */
export function argumentsSchemaOf(what: string): Record<string, unknown> | undefined {
  const match = /^tool (\S+)$/.exec(what);
  const spec = match ? toolSpecsByName.get(match[1] as string) : undefined;
  return spec ? toolDefinition(spec).parameters : undefined;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of `items`. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Pending approvals of one run, or none when its state cannot be read (no worker, already decided, closed). */
async function pendingOf(client: Client, run: RunSummary, taskQueue: string | undefined) {
  const queue = taskQueue ?? (await client.workflow.getHandle(run.workflowId).describe()).taskQueue;
  const answer = await queryState(client, run.workflowId, queue);
  if (!answer.ok) return [];
  return ((answer.state as { pendingApprovals?: PendingApproval[] }).pendingApprovals ?? []).map((p) => ({ run, p }));
}

/** Every pending approval across runs, newest run first. */
export async function approvalsInbox(client: Client): Promise<ApprovalsInbox> {
  const runs = await listRuns(client, { awaitingApproval: true, status: 'running', limit: INBOX_MAX_RUNS + 1 });
  const truncated = runs.length > INBOX_MAX_RUNS;
  const read = runs.slice(0, INBOX_MAX_RUNS);
  const found = (
    await mapLimited(read, INBOX_PARALLELISM, (run) =>
      pendingOf(client, run, undefined).catch(() => [] as { run: RunSummary; p: PendingApproval }[]),
    )
  ).flat();
  // A child's approval surfaced by its parent is decided there; its own entry at the child is left out.
  const surfaced = new Set(
    found
      .filter(({ p }) => p.childWorkflowId && p.childApprovalId)
      .map(({ p }) => `${p.childWorkflowId}\u0000${p.childApprovalId}`),
  );
  const approvals = found
    .filter(({ run, p }) => !surfaced.has(`${run.workflowId}\u0000${p.approvalId}`))
    .map(({ run, p }): InboxApproval => {
      const argumentsSchema = argumentsSchemaOf(p.what);
      return {
        workflowId: run.workflowId,
        runId: run.runId,
        ...(run.agent ? { agent: run.agent } : {}),
        approvalId: p.approvalId,
        what: p.what,
        why: p.why,
        proposed: p.proposed,
        requestedAt: p.requestedAt,
        ...(p.childWorkflowId ? { childWorkflowId: p.childWorkflowId } : {}),
        ...(p.approvers ? { approvers: p.approvers } : {}),
        ...(argumentsSchema ? { argumentsSchema } : {}),
      };
    });
  return { approvals, truncated };
}
