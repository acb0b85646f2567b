/**
 * What `approve` and `reject` share: who decides, which approval is meant, and sending the signal. The
 * workflow ignores a decision that matches no pending approval (a signal cannot be refused), so the live
 * state is checked first and such a decision is reported here instead of vanishing.
 */
import os from 'node:os';
import type { SignalDefinition } from '@temporalio/client';
import { UserError } from '../common/errors';
import type { CliContext } from './command';
import { queryState } from './live-state';

/** The OS user name, so the audit trail says who decided even when --by is not given. */
export function defaultDecider(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    // Some containers run as a uid with no passwd entry; the decision still counts.
    return 'unknown';
  }
}

/** Checks that the run waits for the decision, sends the signal and says what was decided. */
export async function sendDecision<P extends { approvalId?: string }>(
  ctx: CliContext,
  workflowId: string,
  verb: 'approve' | 'reject',
  signal: SignalDefinition<[P]>,
  payload: P,
): Promise<void> {
  const client = await ctx.client();
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') {
    throw new UserError(`run ${workflowId} is ${description.status.name.toLowerCase()}; there is nothing to ${verb}`);
  }

  const answer = await queryState(client, workflowId, description.taskQueue);
  let target = payload.approvalId;
  if (answer.ok) {
    const pending = answer.state.pendingApprovals;
    const match = target ? pending.find((p) => p.approvalId === target) : pending[0];
    if (!match) {
      const known = pending.map((p) => p.approvalId).join(', ');
      throw new UserError(
        target
          ? `run ${workflowId} has no pending approval "${target}"${known ? `; pending: ${known}` : ''}`
          : `run ${workflowId} has no pending approval`,
      );
    }
    target = `${match.approvalId} (${match.what})`;
  }

  await handle.signal(signal, payload);
  const which = target ?? 'the oldest pending approval';
  const note = answer.ok ? '' : ` (live state unavailable, signal sent anyway: ${answer.reason})`;
  ctx.print(`${verb === 'approve' ? 'approved' : 'rejected'} ${which} in run ${workflowId}${note}`);
}
