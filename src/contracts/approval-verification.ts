/**
 * What the workflow asks the worker about approvals, and what it is told: the `verifyApprovalDecision`
 * activity (checks a human decision) and the `readChildApprovals` activity (reads a child run's pending
 * approvals from the child itself). Shared by the workflow, which sends them, and the activities, which answer.
 */
import type { ApprovalBinding } from './approval-binding';
import type { PendingApproval } from './agent-contract';

export interface VerifyDecisionInput {
  /** The run checking the decision, and its own approval id (for the worker's log). */
  workflowId: string;
  approvalId: string;
  /**
   * What the decision is bound to, already checked by the workflow against the approval it waits on: this
   * run's own binding, or the ancestor's a decision passed down was made at. The signature must cover it.
   */
  binding?: ApprovalBinding;
  decision: 'approve' | 'reject';
  by?: string;
  signature?: string;
  /** Edited tool arguments, as sent; they are part of what is signed. */
  arguments?: string | Record<string, unknown>;
  /** Who may decide; anyone when absent. */
  approvers?: string[];
}

export type VerifyDecisionResult = { accepted: true } | { accepted: false; problem: string };

export interface ReadChildApprovalsInput {
  /** The run asking: the child must have been started by exactly this run. */
  parent: { workflowId: string; runId: string };
  childWorkflowId: string;
}

/**
 * The child's pending approvals as the child itself answers its `state` query, with the run that answered;
 * or why they were not read (not a child of the asking run, or not running any more).
 */
export type ReadChildApprovalsResult =
  { ok: true; runId: string; running: boolean; pending: PendingApproval[] } | { ok: false; problem: string };
