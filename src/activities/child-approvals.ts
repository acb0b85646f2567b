/**
 * `readChildApprovals`: a parent run learns what waits in a child run from the child itself, never from a
 * signal. Anyone can send a `childApprovals` signal, so the parent treats one only as a nudge to come here:
 * this activity checks with the Temporal server that the child was started by exactly the asking run, then
 * asks the child's own `state` query for its pending approvals (which the child computed, including those it
 * read from its own children the same way).
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { stateQuery, type PendingApproval } from '../contracts/agent-contract';
import type { ReadChildApprovalsInput, ReadChildApprovalsResult } from '../contracts/approval-verification';

/** The pending approvals a child's `state` answer holds; checked, though the child is our own workflow code. */
const childStateSchema = z.looseObject({
  pendingApprovals: z.array(
    z.looseObject({
      approvalId: z.string().min(1),
      what: z.string(),
      why: z.string(),
      proposed: z.string(),
      requestedAt: z.string(),
    }),
  ),
});

export async function readChildApprovals(input: ReadChildApprovalsInput): Promise<ReadChildApprovalsResult> {
  const client = Context.current().client;
  const description = await client.workflow.getHandle(input.childWorkflowId).describe();
  const parent = description.parentExecution;
  if (parent?.workflowId !== input.parent.workflowId || parent.runId !== input.parent.runId) {
    return {
      ok: false,
      problem: `run ${input.childWorkflowId} (${description.runId}) was not started by run ${input.parent.runId} of ${input.parent.workflowId}`,
    };
  }
  // A closed child waits for nothing; its last state would only cost a replay to read.
  if (description.status.name !== 'RUNNING') return { ok: true, runId: description.runId, running: false, pending: [] };
  const state = childStateSchema.parse(
    await client.workflow.getHandle(input.childWorkflowId, description.runId).query(stateQuery),
  );
  return {
    ok: true,
    runId: description.runId,
    running: true,
    pending: state.pendingApprovals as PendingApproval[],
  };
}
