/**
 * Binds the decisions agentctl sends to the approval the person was shown and, when AGENT_APPROVAL_SECRET is
 * set, signs them, so a worker that holds the same secret can tell them from forged ones (a bare
 * `temporal workflow signal`, say). The signing itself lives in src/security/approval-signature.ts.
 */
import type { ApprovalBinding } from '../contracts/approval-binding';
import { approvalSecretFromEnv } from '../config/approvals';
import { signDecision as signBoundDecision } from '../security/approval-signature';

interface DecisionPayload {
  approvalId?: string;
  by?: string;
  arguments?: string | Record<string, unknown>;
}

/**
 * Returns the decision with `approvalId` and `boundTo` set and, when a secret is configured, `signature`. The
 * binding must be the resolved one (not "the oldest"): a decision is only good for the approval it names.
 */
export function signDecision<P extends DecisionPayload>(
  payload: P,
  target: ApprovalBinding & { decision: 'approve' | 'reject' },
  secret: string | undefined = approvalSecretFromEnv(),
): P & { approvalId: string; boundTo: ApprovalBinding; signature?: string } {
  const { decision, ...binding } = target;
  return signBoundDecision(payload, binding, decision, secret);
}
