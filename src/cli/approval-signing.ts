/**
 * Signs the decisions agentctl sends when AGENT_APPROVAL_SECRET is set, so a worker that holds the same
 * secret can tell them from forged ones (a bare `temporal workflow signal`, say). The signature covers the
 * run id, the approval id, the decision, the approver and any edited arguments.
 */
import { approvalSecretFromEnv } from '../config/approvals';
import { argumentsText, signApprovalDecision } from '../security/approval-signature';

interface DecisionPayload {
  approvalId?: string;
  by?: string;
  arguments?: string | Record<string, unknown>;
}

/**
 * Returns the decision with `approvalId` and, when a secret is configured, `signature` set. The approval id
 * must be the resolved one (not "the oldest"): a signature is only good for the approval it names.
 */
export function signDecision<P extends DecisionPayload>(
  payload: P,
  target: { workflowId: string; approvalId: string; decision: 'approve' | 'reject' },
  secret: string | undefined = approvalSecretFromEnv(),
): P & { approvalId: string; signature?: string } {
  const withId = { ...payload, approvalId: target.approvalId };
  if (!secret) return withId;
  const signature = signApprovalDecision(secret, {
    workflowId: target.workflowId,
    approvalId: target.approvalId,
    decision: target.decision,
    ...(payload.by !== undefined ? { by: payload.by } : {}),
    ...(payload.arguments !== undefined ? { arguments: argumentsText(payload.arguments) } : {}),
  });
  return { ...withId, signature };
}
