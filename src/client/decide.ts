/**
 * Approving and rejecting through the run's `decide` update. An update, unlike a signal, answers: the workflow's
 * validator refuses an unknown or already-decided approval, or edited arguments that break the tool's schema, and
 * each refusal comes back as its own error class with a stable `code`. (The `approve` / `reject` signals still
 * work, for the stock `temporal` CLI.)
 */
import { ApplicationFailure, isGrpcDeadlineError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { decideUpdate, type DecideInput, type DecideResult, type PendingApproval } from '../contracts/agent-contract';
import { approvalDigest, type ApprovalBinding } from '../contracts/approval-binding';
import { ErrorType } from '../contracts/errors';
import { oneLine, truncate } from '../contracts/text';
import { signDecision } from '../security/approval-signature';
import {
  AmbiguousApprovalError,
  ApprovalAlreadyDecidedError,
  ApprovalNoLongerPendingError,
  ApprovalVerificationError,
  DecisionTimedOutError,
  InvalidDecisionArgumentsError,
  InvalidDecisionError,
  NoPendingApprovalError,
  NoWorkerError,
  RunNotOpenError,
  StateUnavailableError,
  UnknownApprovalError,
} from './errors';
import { queryState } from './live-state';
import { hasWorkflowPollers } from './pollers';

/** How long a decision may take to be accepted and applied; a polling worker needs milliseconds. */
export const DECIDE_TIMEOUT_MS = 20_000;

/** Options of `approve`. */
export interface ApproveOptions {
  /** The approval to answer; needed when more than one is pending. */
  approvalId?: string;
  /** Who approves, kept in the audit trail. */
  by?: string;
  comment?: string;
  /** Run the tool with these edited arguments instead (checked against the tool's schema by the run). */
  args?: Record<string, unknown> | string;
}

/** Options of `reject`; the reason is what the agent reads in place of the tool's result. */
export interface RejectOptions {
  approvalId?: string;
  by?: string;
  reason: string;
}

/** What a decision did. */
export interface DecisionOutcome extends DecideResult {
  /** The approval as the root run lists it (a child's approval is `<child>/<local id>`). */
  approvalId: string;
  /** What was decided on: `tool write_file`, when the client saw it pending. */
  what?: string;
  /** The child run that raised the approval, when it was not the root. */
  forwardedTo?: string;
}

/** One approval for a message: `step-1-call-1 (tool write_file)`. */
const label = (p: PendingApproval): string => `${p.approvalId} (${p.what})`;

/**
 * Which approval a decision without an id means: the only pending one. With several, guessing would let a person
 * approve something they never looked at, so they are listed instead. A named id that is not pending is left to
 * the workflow, whose validator tells a decided approval from one that never was.
 */
export function chooseApproval(
  workflowId: string,
  pending: readonly PendingApproval[],
  requested: string | undefined,
): PendingApproval | undefined {
  if (requested) return pending.find((p) => p.approvalId === requested);
  if (pending.length === 1) return pending[0];
  if (pending.length === 0) throw new NoPendingApprovalError(`run ${workflowId} has no pending approval`);
  throw new AmbiguousApprovalError(
    pending,
    `run ${workflowId} has ${pending.length} pending approvals; name one with --approval: ${pending.map(label).join(', ')}`,
  );
}

/**
 * The approval a surfaced one is inside the child that raised it (the child's own id, run and digest), read from
 * the child itself: edited arguments go there, because only that run knows its tool's schema. Matched exactly, by
 * the child's own approval id and the digest of what was shown.
 */
async function inChild(client: Client, target: PendingApproval, taskQueue: string): Promise<PendingApproval> {
  const child = target.childWorkflowId as string;
  const answer = await queryState(client, child, taskQueue);
  if (!answer.ok)
    throw new StateUnavailableError(child, answer.reason, `cannot read child run ${child}: ${answer.reason}`);
  const local = answer.state.pendingApprovals.find(
    (p) => p.approvalId === target.childApprovalId && p.digest === target.digest,
  );
  if (!local) {
    throw new ApprovalNoLongerPendingError(`approval ${target.approvalId} is no longer pending in child run ${child}`);
  }
  return local;
}

/**
 * What a decision on `shown` binds: this namespace, the run that shows it and the digest of exactly what the
 * person is shown, recomputed here from the content, so a state answer whose digest does not match its content
 * is refused rather than signed.
 */
function bindingOf(namespace: string, workflowId: string, runId: string, shown: PendingApproval): ApprovalBinding {
  const digest = approvalDigest(shown);
  if (shown.digest !== undefined && shown.digest !== digest) {
    throw new InvalidDecisionError(
      `approval ${shown.approvalId} of run ${workflowId} does not match its own digest; not deciding`,
    );
  }
  return { namespace, workflowId, runId: shown.runId ?? runId, approvalId: shown.approvalId, digest };
}

/** The validator's refusal (by its ApplicationFailure type), or a deadline that passed, as a typed error. */
function decisionProblem(err: unknown, verb: string, taskQueue: string): unknown {
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    const message = `${verb} refused: ${oneLine(cause instanceof Error ? cause.message : err.message)}`;
    const type = cause instanceof ApplicationFailure ? cause.type : undefined;
    switch (type) {
      case ErrorType.UnknownApproval:
        return new UnknownApprovalError(message, { cause: err });
      case ErrorType.ApprovalAlreadyDecided:
        return new ApprovalAlreadyDecidedError(message, { cause: err });
      case ErrorType.InvalidArguments:
        return new InvalidDecisionArgumentsError(message, { cause: err });
      case ErrorType.ApprovalRefused:
      case ErrorType.ApprovalBindingMismatch:
        return new ApprovalVerificationError(message, { cause: err });
      case ErrorType.ApprovalNoLongerPending:
        return new ApprovalNoLongerPendingError(message);
      default:
        return new InvalidDecisionError(message, { cause: err });
    }
  }
  if (isGrpcDeadlineError(err)) {
    return new DecisionTimedOutError(
      `no worker on task queue ${taskQueue} took the decision within ${DECIDE_TIMEOUT_MS / 1000} s; ` +
        'it may still apply when a worker picks the run up (check with agentctl status)',
      { cause: err },
    );
  }
  return err;
}

/**
 * Sends one decision through `decide`. Checks first that the run is open, that a worker polls its task queue (an
 * update waits for a worker, so without one it would hang), and which approval is meant. With a secret, the
 * decision is signed for the run and approval id it is sent to.
 */
export async function sendDecision(
  client: Client,
  workflowId: string,
  decision: Omit<DecideInput, 'approvalId'> & { approvalId?: string },
  secret: string | undefined,
): Promise<DecisionOutcome> {
  const verb = decision.decision;
  const description = await client.workflow.getHandle(workflowId).describe();
  if (description.status.name !== 'RUNNING') {
    const status = description.status.name.toLowerCase();
    throw new RunNotOpenError(workflowId, status, `run ${workflowId} is ${status}; there is nothing to ${verb}`);
  }
  const taskQueue = description.taskQueue;
  if (!(await hasWorkflowPollers(client, taskQueue))) {
    throw new NoWorkerError(
      [{ kind: 'workflow', taskQueue, message: `no worker is polling task queue ${taskQueue}` }],
      `no worker is polling task queue ${taskQueue}, so nothing was ${verb}d; start one (npm run worker) and retry`,
    );
  }
  const answer = await queryState(client, workflowId, taskQueue);
  if (!answer.ok) {
    throw new StateUnavailableError(
      workflowId,
      answer.reason,
      `cannot read the pending approvals of run ${workflowId}: ${answer.reason}`,
    );
  }
  const target = chooseApproval(workflowId, answer.state.pendingApprovals, decision.approvalId);

  // An unknown id still goes to the workflow: its validator tells a decided approval from one that never was.
  let destination = workflowId;
  let binding: ApprovalBinding | undefined;
  const namespace = client.options.namespace;
  if (target?.childWorkflowId && decision.arguments !== undefined) {
    // Only the run that raised an approval knows its tool's schema, so edited arguments go straight to it.
    destination = target.childWorkflowId;
    const local = await inChild(client, target, taskQueue);
    const childRunId = local.runId ?? (await client.workflow.getHandle(destination).describe()).runId;
    binding = bindingOf(namespace, destination, childRunId, local);
  } else if (target) {
    binding = bindingOf(namespace, workflowId, description.runId, target);
  }
  // Bound to the approval shown, in the run that shows it; signed too when a secret is given.
  const input: DecideInput = binding ? signDecision(decision, binding, verb, secret) : { ...decision };

  let result: DecideResult;
  try {
    result = await client.connection.withDeadline(Date.now() + DECIDE_TIMEOUT_MS, () =>
      client.workflow.getHandle(destination).executeUpdate(decideUpdate, { args: [input] }),
    );
  } catch (err) {
    throw decisionProblem(err, verb, taskQueue);
  }
  const forwardedTo = result.forwardedTo ?? (destination !== workflowId ? destination : undefined);
  return {
    ...result,
    approvalId: target?.approvalId ?? result.approvalId,
    ...(target ? { what: truncate(oneLine(target.what), 80) } : {}),
    ...(forwardedTo ? { forwardedTo } : {}),
  };
}
