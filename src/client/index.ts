/** The client API: what `import { createAgentClient } from 'durable-agents'` gives an application. */
export { AgentClient, type AgentClientOptions } from './agent-client';
export {
  connectAgentClient,
  ConnectedAgentClient,
  createAgentClient,
  TemporalUnreachableError,
  type ConnectAgentClientOptions,
  type CreateAgentClientOptions,
} from './connect';
export type { AgentReference, StartAgentOptions, StartGraphOptions, StartedRun } from './start';
export type { StartEvalOptions, StartedEval } from './evals';
export type { ApproveOptions, DecisionOutcome, RejectOptions } from './decide';
export type { ForkOutcome } from './fork';
export type { RetryOutcome } from './retry';
export type { ListOptions, RunPage, RunStatusFilter, RunSummary } from './list';
export type { StateAnswer } from './live-state';
export { reachedGoal, type RunOutcome } from './outcome';
export type { PollOptions, RunSnapshot } from './run-poller';
export type { ChildSnapshot } from './children';
export type { EvalScheduleSummary } from './eval-schedules';
export {
  END_POSITION,
  parseEventId,
  type ApprovalDecidedEvent,
  type ApprovalRequestedEvent,
  type CostChangedEvent,
  type EventChild,
  type EventsOptions,
  type RunContinuedEvent,
  type RunEndedEvent,
  type RunEvent,
  type StepFinishedEvent,
  type StepStartedEvent,
} from './events';
export {
  AgentClientError,
  AmbiguousApprovalError,
  ApprovalAlreadyDecidedError,
  ApprovalNoLongerPendingError,
  ApprovalVerificationError,
  ClientErrorCode,
  DecisionRefusedError,
  DecisionTimedOutError,
  ForkUnavailableError,
  InvalidDecisionArgumentsError,
  InvalidDecisionError,
  InvalidRunInputError,
  NoPendingApprovalError,
  NoWorkerError,
  RunFailedError,
  RetryUnavailableError,
  RunNotOpenError,
  StateUnavailableError,
  UnknownAgentError,
  UnknownApprovalError,
  type MissingWorker,
} from './errors';
export * from './types';
export { NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from './temporal-errors';
/** Reads the HTTP API's SSE stream over fetch (EventSource cannot send the API key): `{ id?, event, data }`. */
export { readServerSentEvents, type ServerSentEvent } from './sse';
