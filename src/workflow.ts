/**
 * The `durable-agents/workflow` entry point: building blocks and contracts that are safe to import in
 * Temporal workflow code, for users who write their own workflows instead of a graph spec.
 */
/**
 * Code-first building blocks: run an agent as a child (`runAgent`, on another task queue if asked), call a model
 * once, run one tool, wait for a person (`approvalGate`), route by rule or by a router model, fan out with a bound.
 */
export {
  approvalGate,
  boundedFanOut,
  callModelOnce,
  createApprovalGates,
  parseRouterAnswer,
  routeByModel,
  routeByRule,
  runAgent,
  runTool,
  type ModelCallResult,
} from './workflows/blocks';
/** The messages of an agent run (signals, the decide update, the state query) and its input, state and result. */
export {
  AGENT_WORKFLOW_TYPE,
  approveSignal,
  decideUpdate,
  rejectSignal,
  stateQuery,
  type AgentInput,
  type AgentResult,
  type AgentState,
  type AgentStatus,
  type ApproveInput,
  type DecideInput,
  type DecideResult,
  type PendingApproval,
  type RejectInput,
  type StepRecord,
} from './contracts/agent-contract';
/** The graph run's state query, input, state and result. */
export {
  GRAPH_WORKFLOW_TYPE,
  graphStateQuery,
  type GraphInput,
  type GraphResult,
  type GraphRunState,
  type GraphStatus,
} from './contracts/graph-contract';
/** A graph spec as written (YAML or JSON, before validation). */
export type { GraphSpecInput } from './contracts/graph-spec';
