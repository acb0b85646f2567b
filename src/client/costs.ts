/**
 * Spend per UTC day, agent and model, from search attributes alone (AgentName, AgentModel, AgentCostUsd and the
 * run's start time): no history or query is read, so it costs one visibility scan however many runs there are.
 *
 * Attribution: a run's whole AgentCostUsd goes to its start day and its AgentModel (an agent's primary model, even
 * when fallback models took part of the calls; a graph's first model). A graph's cost already holds its child
 * agent runs' cost, so a child of a graph seen in the scan is not counted again.
 */
import type { Client } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE } from '../contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE } from '../contracts/graph-contract';
import { agentCostUsdKey, agentModelKey, agentNameKey } from '../contracts/search-attributes';
import { InvalidRunInputError } from './errors';

/** Runs scanned at most; more make the answer `truncated`. */
export const COSTS_MAX_RUNS = 5_000;

export interface CostRow {
  /** UTC day the runs started, `YYYY-MM-DD`. */
  day: string;
  agent: string;
  model: string;
  costUsd: number;
  runs: number;
}

export interface CostReport {
  from: string;
  to: string;
  rows: CostRow[];
  truncated: boolean;
}

const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** The visibility query of `costs`: agent and graph runs started since `from`, optionally of one agent. */
export function costsQuery(from: Date, agent?: string): string {
  const clauses = [
    `WorkflowType IN ('${AGENT_WORKFLOW_TYPE}', '${GRAPH_WORKFLOW_TYPE}')`,
    `StartTime>='${from.toISOString()}'`,
  ];
  if (agent !== undefined) {
    if (!/^[\w.:-]{1,200}$/.test(agent)) throw new InvalidRunInputError('agent: letters, digits and . _ : - only');
    clauses.push(`${agentNameKey.name}='${agent}'`);
  }
  return clauses.join(' AND ');
}

/** Spend of the last `days` UTC days (today included), by day, agent and model. */
export async function costReport(
  client: Client,
  options: { days: number; agent?: string; now?: Date },
): Promise<CostReport> {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 90) {
    throw new InvalidRunInputError('days: a whole number from 1 to 90');
  }
  const now = options.now ?? new Date();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = new Date(today.getTime() - (options.days - 1) * 86_400_000);
  const scanned: { workflowId: string; type: string; parent?: string; row: Omit<CostRow, 'runs'> }[] = [];
  let truncated = false;
  for await (const info of client.workflow.list({ query: costsQuery(from, options.agent), pageSize: 1000 })) {
    if (scanned.length >= COSTS_MAX_RUNS) {
      truncated = true;
      break;
    }
    const sa = info.typedSearchAttributes;
    scanned.push({
      workflowId: info.workflowId,
      type: info.type,
      ...(info.parentExecution?.workflowId ? { parent: info.parentExecution.workflowId } : {}),
      row: {
        day: dayOf(info.startTime),
        agent: sa.get(agentNameKey) ?? info.type,
        model: sa.get(agentModelKey) ?? 'unknown',
        costUsd: sa.get(agentCostUsdKey) ?? 0,
      },
    });
  }
  const graphs = new Set(scanned.filter((r) => r.type === GRAPH_WORKFLOW_TYPE).map((r) => r.workflowId));
  const rows = new Map<string, CostRow>();
  for (const run of scanned) {
    if (run.parent && graphs.has(run.parent)) continue;
    const key = `${run.row.day}\u0000${run.row.agent}\u0000${run.row.model}`;
    const row = rows.get(key) ?? { ...run.row, costUsd: 0, runs: 0 };
    row.costUsd += run.row.costUsd;
    row.runs += 1;
    rows.set(key, row);
  }
  const sorted = [...rows.values()].sort(
    (a, b) => a.day.localeCompare(b.day) || a.agent.localeCompare(b.agent) || a.model.localeCompare(b.model),
  );
  return { from: dayOf(from), to: dayOf(today), rows: sorted, truncated };
}
