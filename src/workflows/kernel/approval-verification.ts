/**
 * Checks a human decision before a gate applies it. The check itself is the `verifyApprovalDecision`
 * activity (it needs the approval secret, which must stay out of history); this module decides when to ask and
 * what the decision must be bound to, and reads child runs' approvals. Runs that started before a change
 * replay unchanged: each sits behind its patch id (see patches.ts).
 */
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DecideInput, PendingApproval } from '../../contracts/agent-contract';
import { relativeRunId, type ApprovalBinding } from '../../contracts/approval-binding';
import type { ReadChildApprovalsResult } from '../../contracts/approval-verification';
import { APPROVAL_BINDING_PATCH, APPROVAL_VERIFICATION_PATCH } from './patches';
// A type only: the proxies' signatures are the activities' own.
import type { createApprovalActivities } from '../../activities/approvals';

const { verifyApprovalDecision, readChildApprovals } = proxyActivities<ReturnType<typeof createApprovalActivities>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5 },
});

/** Whether decisions of this run are checked; false only when replaying a run from before the patch. */
export function verificationEnabled(): boolean {
  return patched(APPROVAL_VERIFICATION_PATCH);
}

/** Whether decisions of this run are bound; false only when replaying a run from before the patch. */
export function bindingEnforced(): boolean {
  return patched(APPROVAL_BINDING_PATCH);
}

/** This run's own binding of one of its approvals (its own, or one surfaced from a child). */
export function ownBinding(target: PendingApproval): ApprovalBinding {
  const info = workflowInfo();
  return {
    namespace: info.namespace,
    workflowId: info.workflowId,
    runId: info.runId,
    approvalId: target.approvalId,
    digest: target.digest ?? '',
  };
}

/**
 * The binding each ancestor (parent, root) shows this run's approval `localId` under, by ancestor workflow
 * id: a decision made at an ancestor and passed down must name exactly that ancestor run and that id.
 */
export function ancestorBindings(localId: string, digest: string): Map<string, ApprovalBinding> {
  const info = workflowInfo();
  const found = new Map<string, ApprovalBinding>();
  const parent = info.parent;
  if (!parent) return found;
  const atParent = `${relativeRunId(parent.workflowId, info.workflowId)}/${localId}`;
  const base = { namespace: info.namespace, digest };
  found.set(parent.workflowId, { ...base, workflowId: parent.workflowId, runId: parent.runId, approvalId: atParent });
  const root = info.root;
  if (root && root.workflowId !== parent.workflowId) {
    const atRoot = `${relativeRunId(root.workflowId, parent.workflowId)}/${atParent}`;
    found.set(root.workflowId, { ...base, workflowId: root.workflowId, runId: root.runId, approvalId: atRoot });
  }
  return found;
}

/** Asks the worker whether the decision, bound to `binding`, may be applied to `target`. */
export async function verifyDecision(
  input: DecideInput,
  target: PendingApproval,
  binding: ApprovalBinding,
): Promise<string | undefined> {
  const result = await verifyApprovalDecision({
    workflowId: workflowInfo().workflowId,
    approvalId: target.approvalId,
    binding,
    decision: input.decision,
    ...(input.by !== undefined ? { by: input.by } : {}),
    ...(input.signature ? { signature: input.signature } : {}),
    ...(input.arguments !== undefined ? { arguments: input.arguments } : {}),
    ...(target.approvers ? { approvers: target.approvers } : {}),
  });
  return result.accepted ? undefined : result.problem;
}

/** Reads a child run's pending approvals from the child itself, after the server confirms it is our child. */
export function readChildApprovalsOf(childWorkflowId: string): Promise<ReadChildApprovalsResult> {
  const info = workflowInfo();
  return readChildApprovals({ parent: { workflowId: info.workflowId, runId: info.runId }, childWorkflowId });
}
