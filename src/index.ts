/**
 * `durable-agents`: what an application that starts and drives agent runs imports. Runs are ordinary Temporal
 * workflows, so these contracts work with any Temporal client (`client.workflow.start(AGENT_WORKFLOW_TYPE, …)`,
 * `handle.executeUpdate(decideUpdate, …)`, `handle.query(stateQuery)`), as agentctl and the stock `temporal` CLI do.
 */

/**
 * The typed client API: `createAgentClient({ client })` (or `connectAgentClient()` from the environment) starts
 * agents and graphs, reads live state and results, decides approvals, cancels, forks, lists and follows events.
 * Its errors carry a stable `code` (`ClientErrorCode`); options and answers are typed (see src/client/).
 */
export * from './client';

/** Workflow type name of one agent's tool loop; start it with an {@link AgentInput}. */
export { AGENT_WORKFLOW_TYPE } from './contracts/agent-contract';
/** Task queue agentctl and `npm run worker` use when TEMPORAL_TASK_QUEUE is unset. */
export { DEFAULT_TASK_QUEUE } from './contracts/agent-contract';
/** Workflow type name of a graph run (agents, nodes and edges from a graph spec); start it with a {@link GraphInput}. */
export { GRAPH_WORKFLOW_TYPE } from './contracts/graph-contract';
/** Signal approving the pending (or the named) tool call: `{ approvalId?, by?, comment? }`. */
export { approveSignal } from './contracts/agent-contract';
/** Signal rejecting the pending (or the named) tool call: `{ approvalId?, by?, reason? }`. */
export { rejectSignal } from './contracts/agent-contract';
/**
 * Update deciding an approval with a synchronous answer: the validator refuses unknown, already decided or
 * no-longer-pending approvals and edited arguments that break the tool's schema.
 */
export { decideUpdate } from './contracts/agent-contract';
/** Query returning an agent run's live state: status, steps, pending approvals, cost, budget, last messages. */
export { stateQuery } from './contracts/agent-contract';
/** Query returning a graph run's live state: current node, routing decisions, per-agent cost. */
export { graphStateQuery } from './contracts/graph-contract';
/** Zod schema of an agent run's input; parse with it to get field-path errors before starting a run. */
export { agentInputSchema } from './contracts/agent-contract';
/** Input, state and result shapes of agent runs, and the approval messages. */
export type {
  AgentInput,
  AgentResult,
  AgentState,
  AgentStatus,
  ApproveInput,
  DecideInput,
  DecideResult,
  PendingApproval,
  RejectInput,
  StepRecord,
} from './contracts/agent-contract';
/** Input, state and result shapes of graph runs. */
export type { GraphInput, GraphResult, GraphRunState, GraphStatus } from './contracts/graph-contract';
/** A graph spec as written (YAML or JSON, before validation). */
export type { GraphSpecInput } from './contracts/graph-spec';
/** The stable `type` of every ApplicationFailure we raise, so callers decide by type, never by message text. */
export { ErrorType } from './contracts/errors';
/** Base class of our errors; `UserError` marks a caller's mistake (bad spec, bad flag) apart from system faults. */
export { DurableAgentsError, UserError } from './contracts/errors';
/** Typed keys of the search attributes runs keep up to date (AgentName, AgentStatus, AgentCostUsd, …). */
export {
  agentCostUsdKey,
  agentNameKey,
  agentSearchAttributeKeys,
  agentStatusKey,
  agentTokensKey,
  awaitingApprovalKey,
} from './contracts/search-attributes';
/** The data converter for a client of encrypted workers (AGENT_PAYLOAD_KEYS); `undefined` without keys. */
export { encryptedDataConverter } from './security/data-converter';
/** Parses AGENT_PAYLOAD_KEYS-style key lists (`id:base64key,…`) into a keyring for `encryptedDataConverter`. */
export { parsePayloadKeys, type PayloadKeyring } from './security/payload-codec';
/**
 * Live tokens (`client.tokens(workflowId)`): the token broker workers publish to and clients follow — in process
 * when API and worker share one, PostgreSQL LISTEN/NOTIFY across machines — and the events it delivers.
 */
export { createInProcessTokenBroker } from './streaming/in-process';
export { createPostgresTokenBroker, type PostgresTokenBrokerOptions } from './streaming/postgres';
export type { AttemptStream, TokenBroker, TokenSubscription } from './streaming/broker';
export type { TokenAttemptEvent, TokenCall, TokenEndEvent, TokenEvent, TokenTextEvent } from './contracts/tokens';
export type { TokensOptions } from './client/tokens';
