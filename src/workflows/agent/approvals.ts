/**
 * Durable approval gates. A gate records a pending approval and waits on workflow state that only the
 * `approve` / `reject` signals change, so the wait survives worker restarts and costs nothing while idle.
 */
import { condition, log } from '@temporalio/workflow';
import { approvalDecisionSchema, rejectionSchema, type PendingApproval } from '../../common/agent-contract';
/** What a gate needs of the run it belongs to: the list of pending approvals and a status to show. */
export interface ApprovalHost {
  readonly pendingApprovals: PendingApproval[];
  setStatus(status: 'awaiting_approval' | 'running'): void;
}

export type Decision =
  { decision: 'approved'; by?: string; comment?: string } | { decision: 'rejected'; by?: string; reason?: string };

export class ApprovalGates {
  private readonly decisions = new Map<string, Decision>();

  constructor(private readonly state: ApprovalHost) {}

  /** Handler of the `approve` signal. Bad payloads and unknown ids are logged and ignored: a signal cannot be refused. */
  onApprove(raw: unknown): void {
    const parsed = approvalDecisionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      log.warn('approve signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    const { approvalId, by, comment } = parsed.data;
    this.decide(approvalId, { decision: 'approved', by, comment });
  }

  onReject(raw: unknown): void {
    const parsed = rejectionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      log.warn('reject signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    const { approvalId, by, reason } = parsed.data;
    this.decide(approvalId, { decision: 'rejected', by, reason });
  }

  /** Waits until a person decides on the approval, and returns the decision. */
  async request(pending: PendingApproval): Promise<Decision> {
    this.state.pendingApprovals.push(pending);
    this.state.setStatus('awaiting_approval');
    log.info('waiting for approval', { approvalId: pending.approvalId, what: pending.what });
    await condition(() => this.decisions.has(pending.approvalId));
    const decision = this.decisions.get(pending.approvalId) as Decision;
    const index = this.state.pendingApprovals.findIndex((p) => p.approvalId === pending.approvalId);
    if (index >= 0) this.state.pendingApprovals.splice(index, 1);
    this.state.setStatus(this.state.pendingApprovals.length > 0 ? 'awaiting_approval' : 'running');
    log.info('approval decided', { approvalId: pending.approvalId, decision: decision.decision, by: decision.by });
    return decision;
  }

  private decide(approvalId: string | undefined, decision: Decision): void {
    // With no id, the oldest pending approval is the one a person is looking at.
    const target = approvalId
      ? this.state.pendingApprovals.find((p) => p.approvalId === approvalId)
      : this.state.pendingApprovals.find((p) => !this.decisions.has(p.approvalId));
    if (!target) {
      log.warn('decision ignored: no such pending approval', { approvalId: approvalId ?? '(oldest)' });
      return;
    }
    if (this.decisions.has(target.approvalId)) {
      log.info('decision ignored: approval already decided', { approvalId: target.approvalId });
      return;
    }
    this.decisions.set(target.approvalId, decision);
  }
}
