/**
 * `verifyApprovalDecision`: the worker's check of a human decision before the workflow applies it. It runs as
 * an activity because it needs the approval secret, which must never enter workflow code or history; its
 * answer (accepted, or refused with the reason) is what history records.
 */
import { log } from '@temporalio/activity';
import type { VerifyDecisionInput, VerifyDecisionResult } from '../contracts/approval-verification';
import { approvalSignatureMatches, argumentsText } from '../security/approval-signature';
import { readChildApprovals } from './child-approvals';

export interface ApprovalActivityDeps {
  /** AGENT_APPROVAL_SECRET; without it only the approvers list is enforced. */
  approvalSecret?: string;
}

export function createApprovalActivities(deps: ApprovalActivityDeps) {
  return {
    async verifyApprovalDecision(input: VerifyDecisionInput): Promise<VerifyDecisionResult> {
      const refuse = (problem: string): VerifyDecisionResult => {
        log.warn('approval decision refused', { approvalId: input.approvalId, by: input.by, problem });
        return { accepted: false, problem };
      };
      if (input.approvers?.length && !(input.by && input.approvers.includes(input.by))) {
        return refuse(
          `${input.by ? `"${input.by}" is` : 'an anonymous decider is'} not among the approvers (${input.approvers.join(', ')})`,
        );
      }
      if (!deps.approvalSecret) return { accepted: true };
      if (!input.signature) {
        return refuse('unsigned decision: this worker requires decisions signed with AGENT_APPROVAL_SECRET');
      }
      // Asked by a workflow of an earlier version, which did not say what the decision is bound to.
      if (!input.binding) return refuse('decision without a binding to one run and one approval: decide again');
      const matches = approvalSignatureMatches(
        deps.approvalSecret,
        {
          ...input.binding,
          decision: input.decision,
          ...(input.by !== undefined ? { by: input.by } : {}),
          ...(input.arguments !== undefined ? { arguments: argumentsText(input.arguments) } : {}),
        },
        input.signature,
      );
      return matches ? { accepted: true } : refuse('the signature does not match this decision');
    },
    readChildApprovals,
  };
}
