/**
 * Signatures of approval decisions: HMAC-SHA256 over the binding (namespace, workflow id, run id, approval id
 * and the digest of what the person was shown), the decision, the approver and (when an approver edits them)
 * the tool arguments. The client signs with AGENT_APPROVAL_SECRET; the worker checks in an activity, so the
 * secret stays out of workflow code and history. A signature is good for one approval in one run: the same
 * id in another run, a fork or a sibling branch has another binding.
 */
import crypto from 'node:crypto';
import type { ApprovalBinding } from '../contracts/approval-binding';

export interface SignedDecisionFields extends ApprovalBinding {
  decision: 'approve' | 'reject';
  /** Who decides; part of the signature, so a signed decision cannot be re-attributed. */
  by?: string;
  /** Edited tool arguments as JSON text, when the approver edited them. */
  arguments?: string;
}

/** Bumped whenever the signed fields change, so an old signature cannot match a new layout. */
const SIGNATURE_VERSION = 'durable-agents.approval.v2';

function message(fields: SignedDecisionFields): string {
  return JSON.stringify([
    SIGNATURE_VERSION,
    fields.namespace,
    fields.workflowId,
    fields.runId,
    fields.approvalId,
    fields.digest,
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

/** The decision fields a client signs: what it decides, who decides, any edited arguments. */
interface DecisionPayload {
  approvalId?: string;
  by?: string;
  arguments?: string | Record<string, unknown>;
}

/**
 * Returns the decision bound to `binding` (`approvalId` and `boundTo` set) and, when a secret is given, signed.
 * The binding comes from the pending approval the person was shown (the `state` query gives its run id and
 * digest), so the decision applies to that approval in that run and nowhere else.
 */
export function signDecision<P extends DecisionPayload>(
  payload: P,
  binding: ApprovalBinding,
  decision: 'approve' | 'reject',
  secret: string | undefined,
): P & { approvalId: string; boundTo: ApprovalBinding; signature?: string } {
  const bound = { ...payload, approvalId: binding.approvalId, boundTo: { ...binding } };
  if (!secret) return bound;
  const signature = signApprovalDecision(secret, {
    ...binding,
    decision,
    ...(payload.by !== undefined ? { by: payload.by } : {}),
    ...(payload.arguments !== undefined ? { arguments: argumentsText(payload.arguments) } : {}),
  });
  return { ...bound, signature };
}
