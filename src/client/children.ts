/** How a graph run names its child agent runs: relative to the root (`clerk-1`) or by full workflow id. */
import type { AgentState } from '../contracts/agent-contract';
import type { RunState } from './types';

/** A child run with the label its events and lines carry (`clerk-1`). */
export interface ChildSnapshot {
  workflowId: string;
  label: string;
  state: AgentState;
}

/** The id a graph step lists its children by (`clerk-1`), from the child's workflow id (`<root>/clerk-1`). */
export function childLabel(rootWorkflowId: string, childWorkflowId: string): string {
  const prefix = `${rootWorkflowId}/`;
  return childWorkflowId.startsWith(prefix) ? childWorkflowId.slice(prefix.length) : childWorkflowId;
}

/** Full workflow ids of the children a graph's steps name (they name them relative to the root). */
export function childIdsOf(rootWorkflowId: string, state: RunState): string[] {
  if (state.workflowType !== 'graphWorkflow') return [];
  return state.steps
    .flatMap((s) => s.children ?? [])
    .map((c) => (c.startsWith(`${rootWorkflowId}/`) ? c : `${rootWorkflowId}/${c}`));
}
