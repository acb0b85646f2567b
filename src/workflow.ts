/**
 * The `durable-agents/workflow` entry point: building blocks and contracts that are safe to import in
 * Temporal workflow code, for users who write their own workflows instead of a graph spec.
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
export {
  approveSignal,
  rejectSignal,
  stateQuery,
  type AgentInput,
  type AgentResult,
  type PendingApproval,
} from './contracts/agent-contract';
export { graphStateQuery, type GraphInput, type GraphResult } from './contracts/graph-contract';
export type { GraphSpecInput } from './contracts/graph-spec';
