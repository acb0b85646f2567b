/**
 * What `approve` and `reject` share: who decides by default, and printing what the client's `decide` did. The
 * client checks the run, picks the approval and sends the update; its refusals (unknown, already decided, no
 * longer pending, ambiguous, invalid arguments) are user errors that main prints as one line, exiting non-zero.
 */
import os from 'node:os';
import type { DecisionOutcome } from '../client/decide';

/** The OS user name, so the audit trail says who decided even when --by is not given. */
export function defaultDecider(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    // Some containers run as a uid with no passwd entry; the decision still counts.
    return 'unknown';
  }
}

/** `approved step-2-call-1 (tool write_file) in run X (raised in child run Y)`. */
export function decisionLine(workflowId: string, outcome: DecisionOutcome): string {
  const what = outcome.what ? ` (${outcome.what})` : '';
  const child = outcome.forwardedTo ? ` (raised in child run ${outcome.forwardedTo})` : '';
  return `${outcome.decision} ${outcome.approvalId}${what} in run ${workflowId}${child}`;
}
