/**
 * What the workflow asks the worker when it checks a human decision (the `verifyApprovalDecision` activity),
 * and what it is told. Shared by the workflow, which sends it, and the activity, which answers.
 */
export interface VerifyDecisionInput {
  workflowId: string;
  approvalId: string;
  decision: 'approve' | 'reject';
  by?: string;
  signature?: string;
  /** Edited tool arguments, as sent; they are part of what is signed. */
  arguments?: string | Record<string, unknown>;
  /** The run and approval id a decision passed down from an ancestor was signed for. */
  signedAs?: { workflowId: string; approvalId: string };
  /** Parent and root run ids, so a decision signed at an ancestor can be accepted here. */
  ancestors: string[];
  /** Who may decide; anyone when absent. */
  approvers?: string[];
}

export type VerifyDecisionResult = { accepted: true } | { accepted: false; problem: string };
