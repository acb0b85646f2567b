/**
 * Durable approval gates. A gate records a pending approval and waits on workflow state that only a
 * decision changes (the `approve` / `reject` signals or the `decide` update), so the wait survives worker
 * restarts and costs nothing while idle. Approvals raised in child runs are reported up to the parent and
 * surface at the root; a decision taken at the root is passed down to the child that waits.
 */
import { ApplicationFailure, condition, getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import {
  approvalDecisionSchema,
  approvalTimeoutSchema,
  approveSignal,
  childApprovalsSignal,
  decisionSchema,
  rejectionSchema,
  rejectSignal,
  type ChildApprovalsReport,
  type DecideInput,
  type DecideResult,
  type PendingApproval,
  type RefusedDecision,
} from '../../contracts/agent-contract';
import { ErrorType } from '../../contracts/errors';
import { verificationEnabled, verifyDecision } from './approval-verification';

/** What a gate needs of the run it belongs to: the list shown as pending and a status to set. */
export interface ApprovalHost {
  readonly pendingApprovals: PendingApproval[];
  setStatus(status: 'awaiting_approval' | 'running'): void;
  /** Set by the gates: everything pending here and below, for the state query and AwaitingApproval. */
  surfacedApprovals?: () => PendingApproval[];
  /** Decisions approval verification refused, shown in the state query. */
  readonly refusedDecisions?: RefusedDecision[];
}

export type Decision =
  | { decision: 'approved'; by?: string; comment?: string; arguments?: string }
  | { decision: 'rejected'; by?: string; reason?: string };

/** Checks edited arguments; returns a problem to refuse them with, or undefined when they are fine. */
export type ArgumentsCheck = (argumentsJson: string) => string | undefined;

/** What a child run reports; checked, because anyone can send a signal by that name. */
const childApprovalsReportSchema = z.looseObject({
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

const toJsonText = (args: string | Record<string, unknown>): string =>
  typeof args === 'string' ? args : JSON.stringify(args);

export class ApprovalGates {
  private readonly decisions = new Map<string, Decision>();
  private readonly argumentChecks = new Map<string, ArgumentsCheck>();
  /** Approvals waiting in child runs, by child workflow id, with ids already prefixed for this run. */
  private readonly childPending = new Map<string, PendingApproval[]>();
  /** Child approvals this run has passed a decision on to, by surfaced id, with the child that got it. */
  private readonly forwarded = new Map<string, string>();
  /** The decision being checked and applied now; the next one waits for it (see inArrivalOrder). */
  private decisionQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: ApprovalHost) {
    host.surfacedApprovals = () => this.allPending();
  }

  /** Handler of the `approve` signal. Bad payloads and unknown ids are logged and ignored: a signal cannot be refused. */
  async onApprove(raw: unknown): Promise<void> {
    const parsed = approvalDecisionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      log.warn('approve signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    await this.applyIfValid({ decision: 'approve', ...parsed.data });
  }

  async onReject(raw: unknown): Promise<void> {
    const parsed = rejectionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      log.warn('reject signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    await this.applyIfValid({ decision: 'reject', ...parsed.data });
  }

  /** Validator of the `decide` update: refuses, with a message a person can act on, what a signal would ignore. */
  validateDecide(raw: DecideInput): void {
    const parsed = decisionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      throw ApplicationFailure.create({
        type: ErrorType.InvalidDecision,
        message: `invalid decision: ${parsed.error.message}`,
        nonRetryable: true,
      });
    }
    const problem = this.forwardedProblem(parsed.data) ?? this.problemWith(parsed.data);
    if (problem) throw ApplicationFailure.create({ type: problem.type, message: problem.message, nonRetryable: true });
  }

  /**
   * A decision already passed on to a child stays listed here until the child reports back, and after that
   * it is gone from every list; either way a second decision is refused as already decided, not unknown.
   * Only the update validator asks (validators do not run on replay), so signal handling is unchanged.
   */
  private forwardedProblem(input: DecideInput): { type: ErrorType; message: string } | undefined {
    const id = input.approvalId ?? this.target(undefined)?.approvalId;
    const child = id === undefined ? undefined : this.forwarded.get(id);
    if (child === undefined) return undefined;
    return {
      type: ErrorType.ApprovalAlreadyDecided,
      message: `approval ${id} was already decided (passed on to ${child})`,
    };
  }

  /** Handler of the `decide` update (already validated); a refused or overtaken decision fails the update. */
  async onDecide(input: DecideInput): Promise<DecideResult> {
    if (!verificationEnabled()) return this.apply(input);
    return this.inArrivalOrder(async () => {
      // Another decision may have been applied while this one waited its turn: the first one counts.
      const late = this.problemWith(input);
      if (late) throw ApplicationFailure.create({ type: late.type, message: late.message, nonRetryable: true });
      const refused = await this.verify(input);
      if (refused)
        throw ApplicationFailure.create({ type: ErrorType.ApprovalRefused, message: refused, nonRetryable: true });
      return this.apply(input);
    });
  }

  /** Handler of the `childApprovals` signal: a child run's pending approvals, replacing what it sent before. */
  onChildApprovals(raw: ChildApprovalsReport): void {
    const parsed = childApprovalsReportSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('childApprovals signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    const report: ChildApprovalsReport = parsed.data;
    const prefix = this.childPrefix(report.childWorkflowId);
    const surfaced = report.pending.map((p) => ({
      ...p,
      approvalId: `${prefix}/${p.approvalId}`,
      childWorkflowId: p.childWorkflowId ?? report.childWorkflowId,
    }));
    if (surfaced.length) this.childPending.set(report.childWorkflowId, surfaced);
    else this.childPending.delete(report.childWorkflowId);
    this.publish();
  }

  /**
   * Waits until a person decides on the approval (or its timeout acts), and returns the decision.
   * `checkArguments` lets an approver edit the proposed tool arguments.
   */
  async request(pending: PendingApproval, checkArguments?: ArgumentsCheck): Promise<Decision> {
    this.host.pendingApprovals.push(pending);
    if (checkArguments) this.argumentChecks.set(pending.approvalId, checkArguments);
    this.publish();
    log.info('waiting for approval', { approvalId: pending.approvalId, what: pending.what });
    const decided = () => this.decisions.has(pending.approvalId);
    let decision: Decision;
    if (pending.timeout) {
      const inTime = await condition(decided, pending.timeout.after as Duration);
      decision = inTime ? (this.decisions.get(pending.approvalId) as Decision) : this.onTimeout(pending);
    } else {
      await condition(decided);
      decision = this.decisions.get(pending.approvalId) as Decision;
    }
    const index = this.host.pendingApprovals.findIndex((p) => p.approvalId === pending.approvalId);
    if (index >= 0) this.host.pendingApprovals.splice(index, 1);
    this.argumentChecks.delete(pending.approvalId);
    this.publish();
    log.info('approval decided', { approvalId: pending.approvalId, decision: decision.decision, by: decision.by });
    return decision;
  }

  /** Everything waiting for a person in this run and below it. */
  allPending(): PendingApproval[] {
    return [...this.host.pendingApprovals, ...[...this.childPending.values()].flat()];
  }

  private onTimeout(pending: PendingApproval): Decision {
    const timeout = pending.timeout as NonNullable<PendingApproval['timeout']>;
    this.decisions.set(pending.approvalId, { decision: 'rejected', by: 'timeout' });
    log.warn('approval timed out', {
      approvalId: pending.approvalId,
      after: timeout.after,
      onTimeout: timeout.onTimeout,
    });
    if (timeout.onTimeout === 'fail') {
      throw ApplicationFailure.create({
        type: ErrorType.ApprovalTimedOut,
        message: `approval ${pending.approvalId} (${pending.what}) was not decided within ${timeout.after}`,
        nonRetryable: true,
      });
    }
    return timeout.onTimeout === 'approve'
      ? { decision: 'approved', by: 'timeout', comment: `approved automatically after ${timeout.after}` }
      : { decision: 'rejected', by: 'timeout', reason: `no decision within ${timeout.after}` };
  }

  private childPrefix(childWorkflowId: string): string {
    const own = `${workflowInfo().workflowId}/`;
    return childWorkflowId.startsWith(own) ? childWorkflowId.slice(own.length) : childWorkflowId;
  }

  /** With no id, the oldest pending approval is the one a person is looking at. */
  private target(approvalId: string | undefined): PendingApproval | undefined {
    const pending = this.allPending().filter((p) => p.childWorkflowId || !this.decisions.has(p.approvalId));
    return approvalId ? this.allPending().find((p) => p.approvalId === approvalId) : pending[0];
  }

  private problemWith(input: DecideInput): { type: ErrorType; message: string } | undefined {
    const target = this.target(input.approvalId);
    if (!target) {
      const ids = this.allPending().map((p) => p.approvalId);
      if (input.approvalId && this.decisions.has(input.approvalId)) {
        return { type: ErrorType.ApprovalAlreadyDecided, message: `approval ${input.approvalId} was already decided` };
      }
      return {
        type: ErrorType.UnknownApproval,
        message: input.approvalId
          ? `no pending approval "${input.approvalId}"; pending: ${ids.join(', ') || 'none'}`
          : 'nothing is waiting for approval',
      };
    }
    if (!target.childWorkflowId && this.decisions.has(target.approvalId)) {
      return { type: ErrorType.ApprovalAlreadyDecided, message: `approval ${target.approvalId} was already decided` };
    }
    if (input.arguments !== undefined) {
      if (input.decision !== 'approve')
        return { type: ErrorType.InvalidDecision, message: 'edited arguments go with an approval, not a rejection' };
      const check = this.argumentChecks.get(target.approvalId);
      if (!target.childWorkflowId && !check)
        return { type: ErrorType.InvalidDecision, message: `approval ${target.approvalId} takes no arguments` };
      const problem = check?.(toJsonText(input.arguments));
      if (problem) return { type: ErrorType.InvalidArguments, message: `edited arguments refused: ${problem}` };
    }
    return undefined;
  }

  private async applyIfValid(input: DecideInput): Promise<void> {
    const problem = this.problemWith(input);
    if (problem) {
      log.warn('decision ignored', { approvalId: input.approvalId ?? '(oldest)', problem: problem.message });
      return;
    }
    if (!verificationEnabled()) {
      await this.apply(input);
      return;
    }
    await this.inArrivalOrder(async () => {
      const late = this.problemWith(input);
      if (late) {
        log.warn('decision ignored', { approvalId: input.approvalId ?? '(oldest)', problem: late.message });
        return;
      }
      if (await this.verify(input)) return;
      await this.apply(input);
    });
  }

  /**
   * Checks and applies decisions one at a time, in the order they arrived. Each check is an activity, and
   * activities may finish in any order: without this a late reject could overtake the approvals before it.
   */
  private inArrivalOrder<T>(step: () => Promise<T>): Promise<T> {
    const turn = this.decisionQueue.then(step, step);
    this.decisionQueue = turn.catch(() => undefined);
    return turn;
  }

  /** Checks a decision with the worker; a refusal is recorded in the run's state and returned, never applied. */
  private async verify(input: DecideInput): Promise<string | undefined> {
    const target = this.target(input.approvalId) as PendingApproval;
    const problem = await verifyDecision(input, target);
    if (problem) {
      const refusal: RefusedDecision = {
        approvalId: target.approvalId,
        decision: input.decision,
        ...(input.by !== undefined ? { by: input.by } : {}),
        problem,
      };
      this.host.refusedDecisions?.push(refusal);
      log.warn('decision refused', { ...refusal });
    }
    return problem;
  }

  private async apply(input: DecideInput): Promise<DecideResult> {
    const target = this.target(input.approvalId) as PendingApproval;
    const decision: Decision =
      input.decision === 'approve'
        ? {
            decision: 'approved',
            ...(input.by ? { by: input.by } : {}),
            ...(input.comment ? { comment: input.comment } : {}),
            ...(input.arguments !== undefined ? { arguments: toJsonText(input.arguments) } : {}),
          }
        : {
            decision: 'rejected',
            ...(input.by ? { by: input.by } : {}),
            ...(input.reason ? { reason: input.reason } : {}),
          };
    if (!target.childWorkflowId) {
      this.decisions.set(target.approvalId, decision);
      return { approvalId: target.approvalId, decision: decision.decision };
    }
    // Raised below: pass it on to the child with the id it knows (the part after the child's prefix).
    const childId = target.childWorkflowId;
    const localId = target.approvalId.slice(target.approvalId.indexOf('/') + 1);
    const handle = getExternalWorkflowHandle(this.directChild(target));
    // The child checks the signature again, against the run and approval id it was made for (here or above).
    const signed = input.signature
      ? {
          signature: input.signature,
          signedAs: input.signedAs ?? { workflowId: workflowInfo().workflowId, approvalId: target.approvalId },
        }
      : {};
    if (input.decision === 'approve') {
      await handle.signal(approveSignal, {
        approvalId: localId,
        ...(input.by ? { by: input.by } : {}),
        ...(input.comment ? { comment: input.comment } : {}),
        ...(input.arguments !== undefined ? { arguments: input.arguments } : {}),
        ...signed,
      });
    } else {
      await handle.signal(rejectSignal, {
        approvalId: localId,
        ...(input.by ? { by: input.by } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
        ...signed,
      });
    }
    this.forwarded.set(target.approvalId, childId);
    log.info('decision passed on to a child run', { approvalId: target.approvalId, child: childId });
    return { approvalId: target.approvalId, decision: decision.decision, forwardedTo: childId };
  }

  /** The child of this run through which an approval raised further down is reached. */
  private directChild(target: PendingApproval): string {
    for (const [child, list] of this.childPending)
      if (list.some((p) => p.approvalId === target.approvalId)) return child;
    return target.childWorkflowId as string;
  }

  /** Shows the change here and reports it to the parent run, if any, so it surfaces at the root. */
  private publish(): void {
    this.host.setStatus(this.allPending().length > 0 ? 'awaiting_approval' : 'running');
    const parent = workflowInfo().parent;
    if (parent) {
      void getExternalWorkflowHandle(parent.workflowId, parent.runId)
        .signal(childApprovalsSignal, { childWorkflowId: workflowInfo().workflowId, pending: this.allPending() })
        .catch((err: unknown) =>
          log.warn('could not report approvals to the parent run', { error: (err as Error).message }),
        );
    }
  }
}
