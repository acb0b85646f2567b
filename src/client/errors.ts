/**
 * The errors the client API throws, each with a stable `code` an application can switch on (the message is for
 * people and may change). Mistakes of the caller's (an unknown agent, a decision the run refuses) are
 * `UserError`s, so agentctl prints them as one line; the rest are faults.
 */
import type { PendingApproval } from '../contracts/agent-contract';
import { DurableAgentsError, UserError } from '../contracts/errors';

/** Every `code` a client error can carry. */
export const ClientErrorCode = {
  UnknownAgent: 'UNKNOWN_AGENT',
  InvalidInput: 'INVALID_INPUT',
  NoWorker: 'NO_WORKER',
  RunNotOpen: 'RUN_NOT_OPEN',
  RunFailed: 'RUN_FAILED',
  StateUnavailable: 'STATE_UNAVAILABLE',
  NoPendingApproval: 'NO_PENDING_APPROVAL',
  UnknownApproval: 'UNKNOWN_APPROVAL',
  ApprovalAlreadyDecided: 'APPROVAL_ALREADY_DECIDED',
  ApprovalNoLongerPending: 'APPROVAL_NO_LONGER_PENDING',
  AmbiguousApproval: 'AMBIGUOUS_APPROVAL',
  InvalidArguments: 'INVALID_ARGUMENTS',
  InvalidDecision: 'INVALID_DECISION',
  DecisionRefused: 'DECISION_REFUSED',
  DecisionTimedOut: 'DECISION_TIMED_OUT',
  ForkUnavailable: 'FORK_UNAVAILABLE',
  RetryUnavailable: 'RETRY_UNAVAILABLE',
  /** `tokens()` on a client given no token broker. */
  TokensUnavailable: 'TOKENS_UNAVAILABLE',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A caller's mistake the client refuses, with its stable code. */
export class AgentClientError extends UserError {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The agent name is neither a shipped agent nor a graph. */
export class UnknownAgentError extends AgentClientError {
  constructor(
    readonly agent: string,
    message: string,
  ) {
    super(ClientErrorCode.UnknownAgent, message);
  }
}

/** The run's input (agent spec, graph spec, input values) does not validate; nothing was started. */
export class InvalidRunInputError extends AgentClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClientErrorCode.InvalidInput, message, options);
  }
}

/** What nobody polls: the run's own task queue, or the model task queue of one of its providers. */
export interface MissingWorker {
  /** `workflow`: the agent worker's queue; `model`: a provider's `<taskQueue>-model-<provider>` queue. */
  kind: 'workflow' | 'model';
  taskQueue: string;
  /** The model provider, for `kind: 'model'`. */
  provider?: string;
  /** One line a person can act on. */
  message: string;
}

/**
 * No worker polls a queue the run needs, so it would wait in silence. Thrown by `startAgent` / `startGraph` with
 * `requireWorkers: true`, by `approve` / `reject` (an update waits for a worker), and by `result` with
 * `failIfNoWorker`; otherwise the same facts come back as `warnings` of the started run.
 */
export class NoWorkerError extends AgentClientError {
  constructor(
    readonly missing: readonly MissingWorker[],
    message = missing.map((m) => m.message).join('; '),
  ) {
    super(ClientErrorCode.NoWorker, message);
  }
}

/** The run has closed (or never ran), so there is nothing to decide or cancel. */
export class RunNotOpenError extends AgentClientError {
  constructor(
    readonly workflowId: string,
    readonly status: string,
    message: string,
  ) {
    super(ClientErrorCode.RunNotOpen, message);
  }
}

/** The run's live `state` could not be read (no worker answered in time, or the query failed). */
export class StateUnavailableError extends AgentClientError {
  constructor(
    readonly workflowId: string,
    readonly reason: string,
    message = `cannot read the state of run ${workflowId}: ${reason}`,
  ) {
    super(ClientErrorCode.StateUnavailable, message);
  }
}

/**
 * The run did not complete: it failed, was cancelled, terminated or timed out. `failureType` is the
 * ApplicationFailure type at the root of the cause chain (`BudgetExceeded`, `ToolFailed`…), when there is one.
 */
export class RunFailedError extends DurableAgentsError {
  readonly code = ClientErrorCode.RunFailed;
  constructor(
    readonly workflowId: string,
    readonly outcome: 'failed' | 'cancelled' | 'terminated' | 'timed_out',
    message: string,
    readonly failureType?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A decision the run (or the client, before sending it) refused; `code` says which refusal. */
export class DecisionRefusedError extends AgentClientError {}

/** Nothing is waiting for a decision. */
export class NoPendingApprovalError extends DecisionRefusedError {
  constructor(message: string) {
    super(ClientErrorCode.NoPendingApproval, message);
  }
}

/** The approval id names no approval of the run. */
export class UnknownApprovalError extends DecisionRefusedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClientErrorCode.UnknownApproval, message, options);
  }
}

/** The approval was decided already; the first decision counts. */
export class ApprovalAlreadyDecidedError extends DecisionRefusedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClientErrorCode.ApprovalAlreadyDecided, message, options);
  }
}

/** The approval was pending a moment ago (in a child run) but is no longer. */
export class ApprovalNoLongerPendingError extends DecisionRefusedError {
  constructor(message: string) {
    super(ClientErrorCode.ApprovalNoLongerPending, message);
  }
}

/** Several approvals are pending and none was named: guessing could approve something nobody looked at. */
export class AmbiguousApprovalError extends DecisionRefusedError {
  constructor(
    readonly pending: readonly PendingApproval[],
    message: string,
  ) {
    super(ClientErrorCode.AmbiguousApproval, message);
  }
}

/** Edited arguments break the tool's schema. */
export class InvalidDecisionArgumentsError extends DecisionRefusedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClientErrorCode.InvalidArguments, message, options);
  }
}

/** The decision itself is malformed (arguments on a rejection, arguments for an approval that takes none). */
export class InvalidDecisionError extends DecisionRefusedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClientErrorCode.InvalidDecision, message, options);
  }
}

/** Approval verification refused it: unsigned, wrongly signed, or not from a named approver. */
export class ApprovalVerificationError extends DecisionRefusedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClientErrorCode.DecisionRefused, message, options);
  }
}

/** No worker took the decision in time; it may still apply when one picks the run up. */
export class DecisionTimedOutError extends AgentClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ClientErrorCode.DecisionTimedOut, message, options);
  }
}

/** The run cannot be forked from that step (out of range, in an earlier run, no model call yet). */
export class ForkUnavailableError extends AgentClientError {
  constructor(message: string) {
    super(ClientErrorCode.ForkUnavailable, message);
  }
}

/** The run cannot be retried: it is still running, or it completed. */
export class RetryUnavailableError extends AgentClientError {
  constructor(message: string) {
    super(ClientErrorCode.RetryUnavailable, message);
  }
}
