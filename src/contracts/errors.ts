/**
 * Stable failure types. They cross activity and workflow boundaries as `ApplicationFailure.type`,
 * so workflows and clients decide by type, never by message text. The names are public API.
 */
export const ErrorType = {
  RateLimited: 'RateLimited',
  ProviderUnavailable: 'ProviderUnavailable',
  InvalidRequest: 'InvalidRequest',
  AuthFailed: 'AuthFailed',
  ContextLengthExceeded: 'ContextLengthExceeded',
  ContentPolicy: 'ContentPolicy',
  ModelOutputInvalid: 'ModelOutputInvalid',
  ToolArgumentsInvalid: 'ToolArgumentsInvalid',
  ToolPermissionDenied: 'ToolPermissionDenied',
  ToolFailed: 'ToolFailed',
  /** A tool ran past its own time limit (http_fetch's deadline, run_javascript's wall time). */
  ToolTimedOut: 'ToolTimedOut',
  UnknownTool: 'UnknownTool',
  InvalidAgentInput: 'InvalidAgentInput',
  /** A run named an agent (`{ agent }` without instructions) that the worker's agent catalog does not hold. */
  UnknownAgent: 'UnknownAgent',
  /** The worker's spec file for the named agent is not a valid agent spec. */
  InvalidAgentSpec: 'InvalidAgentSpec',
  MaxStepsExceeded: 'MaxStepsExceeded',
  BudgetExceeded: 'BudgetExceeded',
  ApprovalRejected: 'ApprovalRejected',
  /** A decision refused by approval verification: unsigned, wrongly signed, or not from a named approver. */
  ApprovalRefused: 'ApprovalRefused',
  /**
   * A decision bound to another approval than the one it reaches: another namespace, workflow, run (a second
   * run of the id, a fork), approval id (a sibling branch) or content than the person was shown.
   */
  ApprovalBindingMismatch: 'ApprovalBindingMismatch',
  /** A decision whose approval timed out, was decided or disappeared while the decision was being verified. */
  ApprovalNoLongerPending: 'ApprovalNoLongerPending',
  /** An approval whose timeout says `fail` was not decided in time; the run fails with this type. */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** A `decide` update for an approval that already has a decision (the first one counts). */
  ApprovalAlreadyDecided: 'ApprovalAlreadyDecided',
  /** A `decide` update naming no pending approval, or sent when nothing is waiting. */
  UnknownApproval: 'UnknownApproval',
  /** A `decide` update whose payload is malformed, or that edits arguments where it may not. */
  InvalidDecision: 'InvalidDecision',
  /** A `decide` update's edited arguments break the tool's schema. */
  InvalidArguments: 'InvalidArguments',
  InvalidGraphSpec: 'InvalidGraphSpec',
  InvalidGraphInput: 'InvalidGraphInput',
  McpServerUnavailable: 'McpServerUnavailable',
  /** The worker lacks an environment variable an MCP server spec names (envFromEnv, headersFromEnv). */
  McpServerMisconfigured: 'McpServerMisconfigured',
  /**
   * A run named an MCP server this worker's operator did not declare, or carried a definition of its own (a
   * command, URL or environment variable names); nothing was started or contacted.
   */
  McpServerNotDeclared: 'McpServerNotDeclared',
  /** The conversation store does not hold the revision a by-reference model call builds on; resend it whole. */
  ConversationMissing: 'ConversationMissing',
  ConversationStoreFailed: 'ConversationStoreFailed',
  /** A model call named a conversation that is not its own run's: one run may not read or write another's. */
  ConversationForeign: 'ConversationForeign',
  /**
   * The conversation store cannot serve this conversation and no retry will change that: its file is corrupt,
   * the file system refuses the name, or the store's folder fails its safety checks (owner, symlink).
   */
  ConversationStoreUnusable: 'ConversationStoreUnusable',
  /** A cost budget binds the run, and the worker's price table has no price for the model it was to call. */
  ModelUnpriced: 'ModelUnpriced',
  /** A graph `parallel` node's list has more items than the node's (or the worker's) `maxItems`. */
  TooManyItems: 'TooManyItems',
  /** An `evalWorkflow` input that breaks its schema (cases, scorers, target, concurrency); nothing was run. */
  InvalidEvalInput: 'InvalidEvalInput',
  /** A webhook receiver answered with a status other than 2xx, or could not be reached; retried with backoff. */
  WebhookDeliveryFailed: 'WebhookDeliveryFailed',
  /**
   * A webhook URL the worker will not contact: it resolves to a private, loopback or link-local address and its
   * host is not in the operator's allow-list. Nothing was sent.
   */
  WebhookTargetRefused: 'WebhookTargetRefused',
  /** A delivery named a subscription the delivering worker's operator does not declare (its config changed). */
  WebhookNotDeclared: 'WebhookNotDeclared',
  /** A replay run names a recorded run (workflow id, run id) that its namespace does not hold. */
  ReplaySourceNotFound: 'ReplaySourceNotFound',
  /** A replay run's recording cannot be used: not an agent run, or no recorded exchanges where some should be. */
  ReplaySourceInvalid: 'ReplaySourceInvalid',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Failure types that no retry can fix; activities mark them non-retryable and the retry policy repeats the list. */
export const nonRetryableErrorTypes: ErrorType[] = [
  ErrorType.InvalidRequest,
  ErrorType.AuthFailed,
  ErrorType.ContextLengthExceeded,
  ErrorType.ContentPolicy,
  ErrorType.ToolArgumentsInvalid,
  ErrorType.ToolPermissionDenied,
  ErrorType.UnknownTool,
  ErrorType.InvalidAgentInput,
  ErrorType.UnknownAgent,
  ErrorType.InvalidAgentSpec,
  ErrorType.InvalidGraphSpec,
  ErrorType.InvalidGraphInput,
  ErrorType.ConversationMissing,
  ErrorType.McpServerNotDeclared,
  ErrorType.ConversationForeign,
  ErrorType.ConversationStoreUnusable,
  ErrorType.ModelUnpriced,
  ErrorType.TooManyItems,
  ErrorType.InvalidEvalInput,
  ErrorType.WebhookTargetRefused,
  ErrorType.WebhookNotDeclared,
  ErrorType.ReplaySourceNotFound,
  ErrorType.ReplaySourceInvalid,
];

/** Base class for errors thrown outside Temporal code (CLI, scripts); `name` follows the subclass. */
export class DurableAgentsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A mistake of the user's: a bad flag, a bad spec, malformed input. Printed as one line, no stack. */
export class UserError extends DurableAgentsError {}
