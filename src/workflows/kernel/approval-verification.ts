/**
 * Checks a human decision before a gate applies it. The check itself is the `verifyApprovalDecision`
 * activity (it needs the approval secret, which must stay out of history); this module decides when to ask
 * and records a refusal in the run's state. Runs that started before verification existed replay unchanged:
 * the check sits behind `patched(APPROVAL_VERIFICATION_PATCH)`.
 */
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DecideInput, PendingApproval } from '../../contracts/agent-contract';
import { APPROVAL_VERIFICATION_PATCH } from './patches';
// A type only: the proxy's signature is the activity's own.
import type { createApprovalActivities } from '../../activities/approvals';

const { verifyApprovalDecision } = proxyActivities<ReturnType<typeof createApprovalActivities>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5 },
});

/** Whether decisions of this run are checked; false only when replaying a run from before the patch. */
export function verificationEnabled(): boolean {
  return patched(APPROVAL_VERIFICATION_PATCH);
}

/** Asks the worker whether the decision may be applied to `target`; returns the problem when refused. */
export async function verifyDecision(input: DecideInput, target: PendingApproval): Promise<string | undefined> {
  const info = workflowInfo();
  const ancestors = [info.parent?.workflowId, info.root?.workflowId].filter(
    (id): id is string => typeof id === 'string',
  );
  const result = await verifyApprovalDecision({
    workflowId: info.workflowId,
    approvalId: target.approvalId,
    decision: input.decision,
    ancestors,
    ...(input.by !== undefined ? { by: input.by } : {}),
    ...(input.signature ? { signature: input.signature } : {}),
    ...(input.signedAs ? { signedAs: input.signedAs } : {}),
    ...(input.arguments !== undefined ? { arguments: input.arguments } : {}),
    ...(target.approvers ? { approvers: target.approvers } : {}),
  });
  return result.accepted ? undefined : result.problem;
}
