/**
 * Durable approval gates. A gate records a pending approval and waits on workflow state that only a
 * decision changes (the `approve` / `reject` signals or the `decide` update), so the wait survives worker
 * restarts and costs nothing while idle. Approvals raised in child runs are read from the child and surface at
 * the root; a decision taken at the root is passed down to the child that waits.
 *
 * A decision approves exactly one thing: the approval it names, in the run it was made for, with the content
 * the person was shown (see contracts/approval-binding.ts). A decision bound elsewhere is refused with the
 * reason; one whose approval timed out or vanished while it was being verified is answered "no longer pending".
 */
import { ActivityFailure, ApplicationFailure, condition, log, patched, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import {
  approvalDecisionSchema,
  decisionSchema,
  rejectionSchema,
  type ChildApprovalsReport,
  type DecideInput,
  type DecideResult,
  type PendingApproval,
  type RefusedDecision,
} from '../../contracts/agent-contract';
import { approvalDigest } from '../../contracts/approval-binding';
import { ErrorType } from '../../contracts/errors';
import { bindingEnforced, verificationEnabled, verifyDecision } from './approval-verification';
import { DECISION_RACE_PATCH } from './patches';
import { ChildApprovals } from './child-approvals';
import { bindingProblemOf, passDecisionDown, signedBinding } from './decision-binding';
import { reportToParent } from './parent-report';

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

/** Told when an approval of this run is requested and when it is decided (webhooks listen). */
export interface ApprovalListener {
  requested(pending: PendingApproval): void;
  decided(pending: PendingApproval, decision: Decision): void;
}

/** Checks edited arguments; returns a problem to refuse them with, or undefined when they are fine. */
export type ArgumentsCheck = (argumentsJson: string) => string | undefined;

interface Problem {
  type: ErrorType;
  message: string;
}

const toJsonText = (args: string | Record<string, unknown>): string =>
  typeof args === 'string' ? args : JSON.stringify(args);

const refusal = (problem: Problem): ApplicationFailure =>
  ApplicationFailure.create({ type: problem.type, message: problem.message, nonRetryable: true });

export class ApprovalGates {
  private readonly decisions = new Map<string, Decision>();
  private readonly argumentChecks = new Map<string, ArgumentsCheck>();
  private readonly children: ChildApprovals;
  /** Child approvals this run has passed a decision on to, by surfaced id, with the child that got it. */
  private readonly forwarded = new Map<string, string>();
  /** The decision being checked and applied now; the next one waits for it (see inArrivalOrder). */
  private decisionQueue: Promise<unknown> = Promise.resolve();
  /** Decisions queued or being checked: each owes its sender an answer (the update) before the run ends. */
  private decisionsInFlight = 0;
  /** Set by the run when something (its webhooks) wants to hear of its approvals. */
  listener?: ApprovalListener;

  constructor(private readonly host: ApprovalHost) {
    host.surfacedApprovals = () => this.allPending();
    this.children = new ChildApprovals(() => this.publish());
  }

  /** Called before this run starts a child run, so that child's approvals are read and surface here. */
  childStarting(childWorkflowId: string): void {
    this.children.starting(childWorkflowId);
  }

  /** Called when a child run this run started has closed. */
  childEnded(childWorkflowId: string): void {
    this.children.ended(childWorkflowId);
  }

  /** Handler of the `approve` signal. Bad payloads and unknown ids are logged and ignored: a signal cannot be refused. */
  async onApprove(raw: unknown): Promise<void> {
    const parsed = approvalDecisionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      log.warn('approve signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    await this.decideBySignal({ decision: 'approve', ...parsed.data });
  }

  async onReject(raw: unknown): Promise<void> {
    const parsed = rejectionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      log.warn('reject signal ignored: invalid payload', { error: parsed.error.message });
      return;
    }
    await this.decideBySignal({ decision: 'reject', ...parsed.data });
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
    // Validators issue no commands, so the binding is checked here whatever the run's patches.
    const problem =
      this.forwardedProblem(parsed.data) ?? this.problemWith(parsed.data) ?? this.bindingProblem(parsed.data);
    if (problem) throw refusal(problem);
  }

  /** Handler of the `decide` update (already validated); a refused or overtaken decision fails the update. */
  async onDecide(input: DecideInput): Promise<DecideResult> {
    if (!verificationEnabled()) return this.apply(input, this.target(input.approvalId) as PendingApproval);
    return this.inArrivalOrder(async () => {
      // Another decision may have been applied while this one waited its turn: the first one counts.
      const late = this.problemWith(input) ?? (bindingEnforced() ? this.bindingProblem(input) : undefined);
      if (late) throw refusal(late);
      const target = this.target(input.approvalId) as PendingApproval;
      const refused = await this.verify(input, target);
      if (refused) throw refusal({ type: ErrorType.ApprovalRefused, message: refused });
      const gone = this.vanished(target);
      if (gone) throw refusal(gone);
      return this.apply(input, target);
    });
  }

  /** Handler of the `childApprovals` signal: a nudge to read that child's approvals from the child. */
  onChildApprovals(raw: ChildApprovalsReport): Promise<void> {
    return this.children.onReport(raw);
  }

  /**
   * Waits until a person decides on the approval (or its timeout acts), and returns the decision.
   * `checkArguments` lets an approver edit the proposed tool arguments.
   */
  async request(requested: PendingApproval, checkArguments?: ArgumentsCheck): Promise<Decision> {
    // What a decision must bind: this run, and a digest of exactly what the person will be shown.
    const pending: PendingApproval = { ...requested, digest: approvalDigest(requested), runId: workflowInfo().runId };
    this.host.pendingApprovals.push(pending);
    if (checkArguments) this.argumentChecks.set(pending.approvalId, checkArguments);
    this.publish();
    this.listener?.requested(pending);
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
    this.listener?.decided(pending, decision);
    log.info('approval decided', { approvalId: pending.approvalId, decision: decision.decision, by: decision.by });
    return decision;
  }

  /** Everything waiting for a person in this run and below it. */
  allPending(): PendingApproval[] {
    return [...this.host.pendingApprovals, ...this.children.all()];
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

  /**
   * A decision already passed on to a child stays listed here until the child reports back, and after that
   * it is gone from every list; either way a second decision is refused as already decided, not unknown.
   * Only the update validator asks (validators do not run on replay), so signal handling is unchanged.
   */
  private forwardedProblem(input: DecideInput): Problem | undefined {
    const id = input.approvalId ?? this.target(undefined)?.approvalId;
    const child = id === undefined ? undefined : this.forwarded.get(id);
    if (child === undefined) return undefined;
    return {
      type: ErrorType.ApprovalAlreadyDecided,
      message: `approval ${id} was already decided (passed on to ${child})`,
    };
  }

  /** With no id, the oldest pending approval is the one a person is looking at. */
  private target(approvalId: string | undefined): PendingApproval | undefined {
    const pending = this.allPending().filter((p) => p.childWorkflowId || !this.decisions.has(p.approvalId));
    return approvalId ? this.allPending().find((p) => p.approvalId === approvalId) : pending[0];
  }

  private problemWith(input: DecideInput): Problem | undefined {
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

  /** Why a decision's binding does not name the target approval in this run, or undefined when it does. */
  private bindingProblem(input: DecideInput): Problem | undefined {
    const target = this.target(input.approvalId);
    const message = target ? bindingProblemOf(input, target) : undefined;
    return message ? { type: ErrorType.ApprovalBindingMismatch, message } : undefined;
  }

  /** Why an approval checked a moment ago can no longer take the decision (timed out, decided, gone). */
  private vanished(target: PendingApproval): Problem | undefined {
    const still = this.allPending().find((p) => p.approvalId === target.approvalId && p.digest === target.digest);
    if (still && (target.childWorkflowId || !this.decisions.has(target.approvalId))) return undefined;
    const timedOut = this.decisions.get(target.approvalId)?.by === 'timeout';
    return {
      type: ErrorType.ApprovalNoLongerPending,
      message: `approval ${target.approvalId} is no longer pending${timedOut ? ' (it timed out while the decision was being verified)' : ''}`,
    };
  }

  private async decideBySignal(input: DecideInput): Promise<void> {
    const problem = this.problemWith(input);
    if (problem) {
      log.warn('decision ignored', { approvalId: input.approvalId ?? '(oldest)', problem: problem.message });
      return;
    }
    if (!verificationEnabled()) {
      await this.apply(input, this.target(input.approvalId) as PendingApproval);
      return;
    }
    await this.inArrivalOrder(async () => {
      const late = this.problemWith(input);
      if (late) {
        log.warn('decision ignored', { approvalId: input.approvalId ?? '(oldest)', problem: late.message });
        return;
      }
      // The target is fixed now: "the oldest" must not become another approval while the check runs.
      const target = this.target(input.approvalId) as PendingApproval;
      const unbound = bindingEnforced() ? this.bindingProblem(input) : undefined;
      if (unbound) {
        this.recordRefusal(input, target, unbound.message);
        return;
      }
      if (await this.verify(input, target)) return;
      const gone = this.vanished(target);
      if (gone) {
        log.warn('decision ignored', { approvalId: target.approvalId, problem: gone.message });
        return;
      }
      await this.apply(input, target);
    });
  }

  /**
   * Checks and applies decisions one at a time, in the order they arrived. Each check is an activity, and
   * activities may finish in any order: without this a late reject could overtake the approvals before it.
   */
  private inArrivalOrder<T>(step: () => Promise<T>): Promise<T> {
    this.decisionsInFlight += 1;
    const turn = this.decisionQueue.then(step, step).finally(() => {
      this.decisionsInFlight -= 1;
    });
    this.decisionQueue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Waits until every decision being checked has been answered. Called before a run completes: a decision
   * whose approval timed out while it was verified is then told "no longer pending", instead of its sender
   * getting "workflow execution already completed".
   */
  async settle(): Promise<void> {
    if (this.decisionsInFlight === 0 || !patched(DECISION_RACE_PATCH)) return;
    await condition(() => this.decisionsInFlight === 0);
  }

  /**
   * Checks a decision with the worker; a refusal is recorded in the run's state and returned, never applied.
   * A check that cannot be made (its activity failed) refuses the decision instead of failing the run.
   */
  private async verify(input: DecideInput, target: PendingApproval): Promise<string | undefined> {
    let problem: string | undefined;
    try {
      problem = await verifyDecision(input, target, signedBinding(input, target));
    } catch (err) {
      if (!patched(DECISION_RACE_PATCH)) throw err;
      const cause = err instanceof ActivityFailure && err.cause ? err.cause : (err as Error);
      problem = `the decision could not be verified: ${cause.message}`;
    }
    if (problem) this.recordRefusal(input, target, problem);
    return problem;
  }

  private recordRefusal(input: DecideInput, target: PendingApproval, problem: string): void {
    const refused: RefusedDecision = {
      approvalId: target.approvalId,
      decision: input.decision,
      ...(input.by !== undefined ? { by: input.by } : {}),
      problem,
    };
    this.host.refusedDecisions?.push(refused);
    log.warn('decision refused', { ...refused });
  }

  private async apply(input: DecideInput, target: PendingApproval): Promise<DecideResult> {
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
    await this.forward(input, target);
    return { approvalId: target.approvalId, decision: decision.decision, forwardedTo: target.childWorkflowId };
  }

  /** Raised below: passes the decision on to the direct child, with the id it knows there. */
  private async forward(input: DecideInput, target: PendingApproval): Promise<void> {
    const child = this.children.childOf(target.approvalId) ?? { workflowId: target.childWorkflowId as string };
    await passDecisionDown(input, target, child);
    this.forwarded.set(target.approvalId, child.workflowId);
    log.info('decision passed on to a child run', { approvalId: target.approvalId, child: child.workflowId });
  }

  /** Shows the change here and reports it to the parent run, if any, so it surfaces at the root. */
  private publish(): void {
    this.host.setStatus(this.allPending().length > 0 ? 'awaiting_approval' : 'running');
    reportToParent(this.allPending());
  }
}
