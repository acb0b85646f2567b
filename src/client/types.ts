/**
 * The shapes the client hands back, re-exported from src/contracts so an application imports them from one place.
 * docs/client.md shows each in full.
 */
import type { AgentResult, AgentState } from '../contracts/agent-contract';
import type { GraphResult, GraphRunState } from '../contracts/graph-contract';

export type {
  /** What an agent run was started with (`agentWorkflow`'s input). */
  AgentInput,
  /** The `state` query of an agent run: status, steps, pending approvals, usage, cost ledger, budget. */
  AgentState,
  /** An agent run's result: final text, structured output, step log, usage and cost. */
  AgentResult,
  AgentStatus,
  StepRecord,
  /** One approval waiting for a person, as `state` lists it (`childWorkflowId` when a child raised it). */
  PendingApproval,
  /** The `decide` update's input: `{ decision: 'approve' | 'reject', approvalId?, by?, comment?, reason?, arguments? }`. */
  DecideInput,
  /** The `decide` update's answer: which approval was decided, how, and the child it was passed on to. */
  DecideResult,
} from '../contracts/agent-contract';
export type {
  /** What a graph run was started with (`graphWorkflow`'s input): the spec, state values, budget. */
  GraphInput,
  /** The `state` query of a graph run: current node, steps (with their children), routing decisions, values. */
  GraphRunState,
  /** A graph run's result; `status` says whether it completed or stopped at a rejection, a limit or its budget. */
  GraphResult,
  GraphStatus,
  GraphStepRecord,
  RoutingDecision,
} from '../contracts/graph-contract';
export type { GraphSpec, GraphSpecInput } from '../contracts/graph-spec';
export type { BudgetInput, BudgetStatus } from '../contracts/budget';
export type { Usage } from '../contracts/messages';
export type { CostLedger } from '../contracts/pricing';

/** The live state of any run: agent or graph (tell them apart by `workflowType`). */
export type RunState = AgentState | GraphRunState;

/** The result of any run that completed: agent or graph (a graph result has `graph` and `status`). */
export type RunResult = AgentResult | GraphResult;

/** True for a graph run's state. */
export const isGraphState = (state: unknown): state is GraphRunState =>
  typeof state === 'object' && state !== null && (state as { workflowType?: string }).workflowType === 'graphWorkflow';

/** True for a graph run's result. */
export const isGraphResult = (result: unknown): result is GraphResult =>
  typeof result === 'object' && result !== null && 'graph' in result && 'decisions' in result;
