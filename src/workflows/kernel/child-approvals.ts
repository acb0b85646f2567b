/**
 * Approvals waiting in child runs, as this run shows them. Anyone can send a `childApprovals` signal, so its
 * content is never believed: a report counts only as a nudge for a child this run started, and the list shown
 * is what the `readChildApprovals` activity read from that child (after the server confirmed the child's
 * parent is this very run). A forged report can neither add, hide nor alter an approval, and one naming a
 * run that is not our child changes nothing, so it cannot hold up continue-as-new either.
 */
import { log, patched, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import { approvalTimeoutSchema, type ChildApprovalsReport, type PendingApproval } from '../../contracts/agent-contract';
import { approvalDigest, relativeRunId } from '../../contracts/approval-binding';
import type { ReadChildApprovalsResult } from '../../contracts/approval-verification';
import { readChildApprovalsOf } from './approval-verification';
import { CHILD_APPROVALS_READ_PATCH } from './patches';

/** What a child run reports; checked, because anyone can send a signal by that name. */
const reportSchema = z.looseObject({
  childWorkflowId: z.string().min(1),
  pending: z.array(
    // Loose: fields this version does not know yet pass through to the root unchanged.
    z.looseObject({
      approvalId: z.string().min(1),
      what: z.string(),
      why: z.string(),
      proposed: z.string(),
      requestedAt: z.string(),
      childWorkflowId: z.string().optional(),
      timeout: approvalTimeoutSchema.optional(),
    }),
  ),
});

export class ChildApprovals {
  /** Approvals waiting in each direct child, by child workflow id, with ids already prefixed for this run. */
  private readonly lists = new Map<string, PendingApproval[]>();
  /** The run of each child, as the server told the last read. */
  private readonly runs = new Map<string, string>();
  /** Children this run started and that have not ended: the only ones whose reports are read. */
  private readonly started = new Set<string>();
  /** A read in flight per child; `again` asks for one more read when a nudge arrives meanwhile. */
  private readonly reading = new Map<string, { again: boolean }>();

  constructor(private readonly changed: () => void) {}

  /** Called before this run starts a child: from now on that child's reports are read. */
  starting(childWorkflowId: string): void {
    this.started.add(childWorkflowId);
  }

  /** Called once the child has closed: nothing waits there any more. */
  ended(childWorkflowId: string): void {
    if (!this.started.delete(childWorkflowId) || !patched(CHILD_APPROVALS_READ_PATCH)) return;
    if (this.lists.delete(childWorkflowId)) this.changed();
  }

  /** Handler of the `childApprovals` signal. */
  async onReport(raw: ChildApprovalsReport): Promise<void> {
    if (!patched(CHILD_APPROVALS_READ_PATCH)) return this.legacyReport(raw);
    const parsed = reportSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('childApprovals signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    // All a report is trusted for: which child to go and read.
    const child = parsed.data.childWorkflowId;
    if (!this.started.has(child)) {
      log.warn('childApprovals signal ignored: not a child run this run started', { child });
      return;
    }
    await this.refresh(child);
  }

  /** Everything waiting in child runs. */
  all(): PendingApproval[] {
    return [...this.lists.values()].flat();
  }

  /** The direct child through which a surfaced approval is reached, and its run when known. */
  childOf(surfacedId: string): { workflowId: string; runId?: string } | undefined {
    for (const [child, list] of this.lists) {
      if (!list.some((p) => p.approvalId === surfacedId)) continue;
      const runId = this.runs.get(child);
      return { workflowId: child, ...(runId ? { runId } : {}) };
    }
    return undefined;
  }

  /** Reads the child until no nudge came in during the last read, so the list ends on the child's latest. */
  private async refresh(child: string): Promise<void> {
    const inFlight = this.reading.get(child);
    if (inFlight) {
      inFlight.again = true;
      return;
    }
    const turn = { again: true };
    this.reading.set(child, turn);
    try {
      while (turn.again) {
        turn.again = false;
        this.apply(child, await readChildApprovalsOf(child));
      }
    } catch (err) {
      // The next nudge reads again; a child we cannot read must not fail this run.
      log.warn('could not read the approvals of a child run', { child, error: (err as Error).message });
    } finally {
      this.reading.delete(child);
    }
  }

  private apply(child: string, read: ReadChildApprovalsResult): void {
    if (!this.started.has(child)) return; // it ended while we read
    if (!read.ok) {
      log.warn('childApprovals signal ignored: the child could not be confirmed', { child, problem: read.problem });
      if (this.lists.delete(child)) this.changed();
      return;
    }
    this.runs.set(child, read.runId);
    const own = workflowInfo();
    const prefix = relativeRunId(own.workflowId, child);
    const surfaced = read.pending.map((p) => ({
      ...p,
      approvalId: `${prefix}/${p.approvalId}`,
      childWorkflowId: p.childWorkflowId ?? child,
      childApprovalId: p.childApprovalId ?? p.approvalId,
      // Decisions are made here, so they bind this run; the digest is recomputed from what will be shown.
      runId: own.runId,
      digest: approvalDigest(p),
    }));
    if (surfaced.length) this.lists.set(child, surfaced);
    else this.lists.delete(child);
    this.changed();
  }

  /** Before CHILD_APPROVALS_READ_PATCH: the report's content replaced the child's list. */
  private legacyReport(raw: ChildApprovalsReport): void {
    const parsed = reportSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('childApprovals signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    const report = parsed.data;
    const prefix = relativeRunId(workflowInfo().workflowId, report.childWorkflowId);
    const surfaced = report.pending.map((p) => ({
      ...p,
      approvalId: `${prefix}/${p.approvalId}`,
      childWorkflowId: p.childWorkflowId ?? report.childWorkflowId,
    }));
    if (surfaced.length) this.lists.set(report.childWorkflowId, surfaced);
    else this.lists.delete(report.childWorkflowId);
    this.changed();
  }
}
