/**
 * What `approve` and `reject` share: who decides, which approval is meant, and sending the decision through
 * the run's `decide` update. An update, unlike a signal, answers: the workflow's validator refuses an unknown
 * or already-decided approval id, or edited arguments that break the tool's schema, and agentctl prints that
 * refusal and exits non-zero. (The `approve` / `reject` signals still work, for the stock `temporal` CLI.)
 */
import os from 'node:os';
import { isGrpcDeadlineError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { decideUpdate, type DecideInput, type DecideResult, type PendingApproval } from '../contracts/agent-contract';
import { approvalDigest, type ApprovalBinding } from '../contracts/approval-binding';
import { UserError } from '../contracts/errors';
import { signDecision } from './approval-signing';
import type { CliContext } from './command';
import { hasWorkflowPollers, queryState } from './live-state';
import { oneLine, truncate } from './output';

/** How long a decision may take to be accepted and applied; a polling worker needs milliseconds. */
export const DECIDE_TIMEOUT_MS = 20_000;

/** The OS user name, so the audit trail says who decided even when --by is not given. */
export function defaultDecider(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    // Some containers run as a uid with no passwd entry; the decision still counts.
    return 'unknown';
  }
}

/** One approval for a message: `step-1-call-1 (tool write_file)`. */
const label = (p: PendingApproval): string => `${p.approvalId} (${p.what})`;

/**
 * Which approval a decision without --approval means: the only pending one. With several, guessing would
 * let a person approve something they never looked at, so they are listed instead.
 */
export function chooseApproval(
  workflowId: string,
  pending: readonly PendingApproval[],
  requested: string | undefined,
): PendingApproval | undefined {
  if (requested) return pending.find((p) => p.approvalId === requested);
  if (pending.length === 1) return pending[0];
  if (pending.length === 0) throw new UserError(`run ${workflowId} has no pending approval`);
  throw new UserError(
    `run ${workflowId} has ${pending.length} pending approvals; name one with --approval: ${pending.map(label).join(', ')}`,
  );
}

/**
 * The approval a surfaced one is inside the child that raised it (the child's own id, run and digest), read
 * from the child itself: edited arguments go there, because only that run knows its tool's schema.
 */
async function inChild(client: Client, target: PendingApproval, taskQueue: string): Promise<PendingApproval> {
  const child = target.childWorkflowId as string;
  const answer = await queryState(client, child, taskQueue);
  if (!answer.ok) throw new UserError(`cannot read child run ${child}: ${answer.reason}`);
  const local = answer.state.pendingApprovals.find(
    (p) => p.approvalId === target.childApprovalId && p.digest === target.digest,
  );
  if (!local) throw new UserError(`approval ${target.approvalId} is no longer pending in child run ${child}`);
  return local;
}

/**
 * What a decision on `shown` binds: this namespace, the run that shows it and the digest of exactly what
 * the person is shown, recomputed here from the text agentctl prints, so a state answer whose digest does
 * not match its content is refused rather than signed.
 */
function bindingOf(namespace: string, workflowId: string, runId: string, shown: PendingApproval): ApprovalBinding {
  const digest = approvalDigest(shown);
  if (shown.digest !== undefined && shown.digest !== digest) {
    throw new UserError(
      `approval ${shown.approvalId} of run ${workflowId} does not match its own digest; not deciding`,
    );
  }
  return { namespace, workflowId, runId: shown.runId ?? runId, approvalId: shown.approvalId, digest };
}

/** The refusal a validator gave, or a deadline that passed, as one line for the person who decided. */
function decisionProblem(err: unknown, verb: string, taskQueue: string): Error {
  if (err instanceof WorkflowUpdateFailedError) {
    const reason = err.cause instanceof Error ? err.cause.message : err.message;
    return new UserError(`${verb} refused: ${oneLine(reason)}`, { cause: err });
  }
  if (isGrpcDeadlineError(err)) {
    return new UserError(
      `no worker on task queue ${taskQueue} took the decision within ${DECIDE_TIMEOUT_MS / 1000} s; ` +
        'it may still apply when a worker picks the run up (check with agentctl status)',
      { cause: err },
    );
  }
  return err as Error;
}

/**
 * Sends one decision through `decide` and prints what was decided. Checks first that the run is open, that
 * a worker polls its task queue (an update waits for a worker, so without one it would hang), and which
 * approval is meant.
 */
export async function sendDecision(
  ctx: CliContext,
  workflowId: string,
  decision: Omit<DecideInput, 'approvalId'> & { approvalId?: string },
): Promise<void> {
  const verb = decision.decision;
  const client = await ctx.client();
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') {
    throw new UserError(`run ${workflowId} is ${description.status.name.toLowerCase()}; there is nothing to ${verb}`);
  }
  const taskQueue = description.taskQueue;
  if (!(await hasWorkflowPollers(client, taskQueue))) {
    throw new UserError(
      `no worker is polling task queue ${taskQueue}, so nothing was ${verb}d; start one (npm run worker) and retry`,
    );
  }
  const answer = await queryState(client, workflowId, taskQueue);
  if (!answer.ok) throw new UserError(`cannot read the pending approvals of run ${workflowId}: ${answer.reason}`);
  const target = chooseApproval(workflowId, answer.state.pendingApprovals, decision.approvalId);

  // An unknown id still goes to the workflow: its validator tells a decided approval from one that never was.
  let destination = workflowId;
  let binding: ApprovalBinding | undefined;
  const namespace = client.options.namespace;
  if (target?.childWorkflowId && decision.arguments !== undefined) {
    // Only the run that raised an approval knows its tool's schema, so edited arguments go straight to it.
    destination = target.childWorkflowId;
    const local = await inChild(client, target, taskQueue);
    binding = bindingOf(
      namespace,
      destination,
      local.runId ?? (await client.workflow.getHandle(destination).describe()).runId,
      local,
    );
  } else if (target) {
    binding = bindingOf(namespace, workflowId, description.runId, target);
  }
  // Bound to the approval shown, in the run that shows it; signed too when AGENT_APPROVAL_SECRET is set.
  const input: DecideInput = binding ? signDecision(decision, { ...binding, decision: verb }) : { ...decision };

  let result: DecideResult;
  try {
    result = await client.connection.withDeadline(Date.now() + DECIDE_TIMEOUT_MS, () =>
      client.workflow.getHandle(destination).executeUpdate(decideUpdate, { args: [input] }),
    );
  } catch (err) {
    throw decisionProblem(err, verb, taskQueue);
  }
  const what = target ? ` (${truncate(oneLine(target.what), 80)})` : '';
  const shownId = target?.approvalId ?? result.approvalId;
  const forwarded = result.forwardedTo ?? (destination !== workflowId ? destination : undefined);
  ctx.print(
    `${result.decision} ${shownId}${what} in run ${workflowId}${forwarded ? ` (raised in child run ${forwarded})` : ''}`,
  );
}
