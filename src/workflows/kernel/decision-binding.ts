/**
 * Which binding a decision must carry to reach an approval of this run (see contracts/approval-binding.ts): this
 * run's own, or for a decision passed down from the parent or root, that ancestor's binding of exactly this
 * run's approval. And passing a decision down to the child run that raised the approval, with its binding.
 */
import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import { approveSignal, rejectSignal, type DecideInput, type PendingApproval } from '../../contracts/agent-contract';
import { bindingMismatch, relativeRunId, type ApprovalBinding } from '../../contracts/approval-binding';
import { ancestorBindings, bindingEnforced, ownBinding } from './approval-verification';

/**
 * What the decision is bound to, if it says: this run's own binding of the target, or (passed down from an
 * ancestor) the ancestor's binding of exactly this approval. Undefined when it names neither.
 */
export function expectedBinding(input: DecideInput, target: PendingApproval): ApprovalBinding | undefined {
  const given = input.boundTo;
  if (!given || given.workflowId === workflowInfo().workflowId) return ownBinding(target);
  if (target.childWorkflowId) return undefined; // only the run that raised an approval takes one from above
  return ancestorBindings(target.approvalId, target.digest ?? '').get(given.workflowId);
}

/** Why a decision's binding does not name `target` in this run, in words a person can act on; or undefined. */
export function bindingProblemOf(input: DecideInput, target: PendingApproval): string | undefined {
  const given = input.boundTo;
  if (!given) return undefined;
  const expected = expectedBinding(input, target);
  if (!expected)
    return `decision was made in run ${given.runId} of ${given.workflowId}, which is neither this run nor its parent or root`;
  return bindingMismatch(given, expected);
}

/** The binding a signature must cover: the one the decision names (checked already), else this run's. */
export function signedBinding(input: DecideInput, target: PendingApproval): ApprovalBinding {
  return input.boundTo && expectedBinding(input, target) ? input.boundTo : ownBinding(target);
}

/**
 * Signals the decision to the direct child through which `target` is reached, with the id it has there. The
 * child checks it again, bound to the run and approval it was made at (here or above), and only its exact run
 * receives it.
 */
export async function passDecisionDown(
  input: DecideInput,
  target: PendingApproval,
  child: { workflowId: string; runId?: string },
): Promise<void> {
  const bound = bindingEnforced();
  const prefix = `${relativeRunId(workflowInfo().workflowId, child.workflowId)}/`;
  const localId = target.approvalId.startsWith(prefix)
    ? target.approvalId.slice(prefix.length)
    : target.approvalId.slice(target.approvalId.indexOf('/') + 1);
  const handle = bound
    ? getExternalWorkflowHandle(child.workflowId, child.runId)
    : getExternalWorkflowHandle(child.workflowId);
  // Runs from before APPROVAL_BINDING_PATCH passed the run and approval id the signature was made for.
  const carried = bound
    ? { boundTo: signedBinding(input, target), ...(input.signature ? { signature: input.signature } : {}) }
    : input.signature
      ? {
          signature: input.signature,
          signedAs: input.signedAs ?? { workflowId: workflowInfo().workflowId, approvalId: target.approvalId },
        }
      : {};
  if (input.decision === 'approve') {
    await handle.signal(approveSignal, {
      approvalId: localId,
      ...(input.by ? { by: input.by } : {}),
      ...(input.comment ? { comment: input.comment } : {}),
      ...(input.arguments !== undefined ? { arguments: input.arguments } : {}),
      ...carried,
    });
  } else {
    await handle.signal(rejectSignal, {
      approvalId: localId,
      ...(input.by ? { by: input.by } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
      ...carried,
    });
  }
}
