/**
 * Tells the parent run, if any, that this run's pending approvals changed. The parent takes it as a nudge and
 * reads them from this run (see child-approvals.ts); the list travels along for parents that replay a
 * history from before that.
 */
import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { childApprovalsSignal, type PendingApproval } from '../../contracts/agent-contract';

export function reportToParent(pending: PendingApproval[]): void {
  const parent = workflowInfo().parent;
  if (!parent) return;
  void getExternalWorkflowHandle(parent.workflowId, parent.runId)
    .signal(childApprovalsSignal, { childWorkflowId: workflowInfo().workflowId, pending })
    .catch((err: unknown) =>
      log.warn('could not report approvals to the parent run', { error: (err as Error).message }),
    );
}
