/**
 * The public contract of `graphWorkflow`: input, result and its `state` query. Signals are the same
 * `approve` / `reject` as agent runs, so every tool that decides on approvals works on graphs too.
 */
import { defineQuery } from '@temporalio/workflow';
import type { PendingApproval, RefusedDecision } from './agent-contract';
import type { GraphSpecInput } from './graph-spec';
import type { GraphValues } from './graph-rules';
import type { Usage } from './messages';
import type { CostLedger } from './pricing';
import type { BudgetInput, BudgetStatus } from './budget';
import type { WebhookState } from './webhooks';

export const GRAPH_WORKFLOW_TYPE = 'graphWorkflow';

export interface GraphInput {
  spec: GraphSpecInput;
  /** Initial values of declared state fields. */
  input?: GraphValues;
  /** Hard limits over the whole run tree (every agent, branch and model call); overrides the spec's `budget`. */
  budget?: BudgetInput;
}

export type GraphStatus =
  | 'running'
  | 'awaiting_approval'
  | 'completed'
  | 'failed'
  | 'rejected'
  | 'limit_reached'
  | 'cancelled'
  | 'budget_exceeded';

/** One routing decision and why it was made. */
export interface RoutingDecision {
  step: number;
  from: string;
  to: string;
  by: 'static' | 'rule' | 'default' | 'router' | 'fallback' | 'approval' | 'budget';
  reason: string;
}

export interface GraphStepRecord {
  step: number;
  node: string;
  kind: string;
  status: 'running' | 'ok' | 'error' | 'awaiting_approval' | 'rejected';
  summary: string;
  /** Workflow ids of child agent runs this step started. */
  children?: string[];
}

export interface GraphRunState {
  workflowType: typeof GRAPH_WORKFLOW_TYPE;
  graph: string;
  status: GraphStatus;
  currentNode?: string;
  step: number;
  visits: Record<string, number>;
  steps: GraphStepRecord[];
  decisions: RoutingDecision[];
  /** State values, each trimmed so a query stays small. */
  values: GraphValues;
  pendingApprovals: PendingApproval[];
  usage: Usage;
  cost: CostLedger;
  error?: string;
  budget?: BudgetStatus;
  /** Decisions refused by approval verification; present once one was refused. */
  refusedDecisions?: RefusedDecision[];
  /** Webhook deliveries of this run, when a subscription wants its events. */
  webhooks?: WebhookState;
}

export interface GraphResult {
  graph: string;
  /** `budget_exceeded`: the budget ran out and the graph's `onBudgetExceeded` edge led to an end node. */
  status: 'completed' | 'rejected' | 'limit_reached' | 'budget_exceeded';
  /** The end node's output field, or the whole state when it names none. */
  output: unknown;
  values: GraphValues;
  steps: GraphStepRecord[];
  decisions: RoutingDecision[];
  usage: Usage;
  cost: CostLedger;
  /** Why the run stopped early, when it did. */
  reason?: string;
  budget?: BudgetStatus;
}

export const graphStateQuery = defineQuery<GraphRunState>('state');
