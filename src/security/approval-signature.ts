/**
 * Signatures of approval decisions: HMAC-SHA256 over the run id, the approval id, the decision, the approver
 * and (when an approver edits them) the tool arguments. agentctl signs with AGENT_APPROVAL_SECRET; the worker
 * checks in an activity, so the secret stays out of workflow code and history.
 */
import crypto from 'node:crypto';

export interface SignedDecisionFields {
  workflowId: string;
  approvalId: string;
  decision: 'approve' | 'reject';
  /** Who decides; part of the signature, so a signed decision cannot be re-attributed. */
  by?: string;
  /** Edited tool arguments as JSON text, when the approver edited them. */
  arguments?: string;
}

/** Bumped if the signed fields ever change, so an old signature cannot match a new layout. */
const SIGNATURE_VERSION = 'durable-agents.approval.v1';

function message(fields: SignedDecisionFields): string {
  return JSON.stringify([
    SIGNATURE_VERSION,
    fields.workflowId,
    fields.approvalId,
    fields.decision,
    fields.by ?? '',
    fields.arguments ?? '',
  ]);
}

/** The hex HMAC-SHA256 of a decision. */
export function signApprovalDecision(secret: string, fields: SignedDecisionFields): string {
  return crypto.createHmac('sha256', secret).update(message(fields)).digest('hex');
}

/** Constant-time check of a signature against the decision it claims to sign. */
export function approvalSignatureMatches(secret: string, fields: SignedDecisionFields, signature: string): boolean {
  const expected = Buffer.from(signApprovalDecision(secret, fields), 'hex');
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Edited arguments travel as an object or as JSON text; both sides sign the same text. */
export const argumentsText = (args: string | Record<string, unknown> | undefined): string | undefined =>
  args === undefined ? undefined : typeof args === 'string' ? args : JSON.stringify(args);

/** The decision fields a signature travels with. */
interface DecisionPayload {
  approvalId?: string;
  by?: string;
  arguments?: string | Record<string, unknown>;
}

/**
 * Returns the decision with `approvalId` and, when a secret is given, `signature` set: what the client sends
 * when AGENT_APPROVAL_SECRET is configured, so a worker holding the same secret can tell it from a forged one.
 * The approval id must be the resolved one (not "the oldest"): a signature is only good for the approval it names.
 */
export function signDecision<P extends DecisionPayload>(
  payload: P,
  target: { workflowId: string; approvalId: string; decision: 'approve' | 'reject' },
  secret: string | undefined,
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
