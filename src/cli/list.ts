/**
 * `agentctl list`: agent runs from Temporal's visibility store, filtered by the search attributes every
 * run keeps current. The same query works in `temporal workflow list --query`.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { AGENT_WORKFLOW_TYPE } from '../contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE } from '../contracts/graph-contract';
import {
  agentCostUsdKey,
  agentNameKey,
  agentStatusKey,
  agentTokensKey,
  awaitingApprovalKey,
} from '../contracts/search-attributes';
import { parseCommandArgs, type Command } from './command';
import { statusName, table, timestamp, usd } from './output';

/** `--status` values and the ExecutionStatus each one selects. */
const executionStatuses = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
} as const;
type StatusFilter = keyof typeof executionStatuses;
const statusFilters = Object.keys(executionStatuses) as [StatusFilter, ...StatusFilter[]];

/** The visibility query for `list`; exported so tests and docs show exactly what agentctl asks for. */
export function listQuery(options: { awaitingApproval?: boolean; status?: StatusFilter }): string {
  // Graph runs too: a gate in a graph, or in one of its child agents, waits for a person just the same.
  const clauses = [`WorkflowType IN ('${AGENT_WORKFLOW_TYPE}', '${GRAPH_WORKFLOW_TYPE}')`];
  if (options.awaitingApproval) clauses.push(`${awaitingApprovalKey.name}=true`);
  if (options.status) clauses.push(`ExecutionStatus='${executionStatuses[options.status]}'`);
  return clauses.join(' AND ');
}

/** A running run waiting for a person says so; otherwise Temporal's own status is the truth. */
function runStatus(info: WorkflowExecutionInfo): string {
  const status = statusName(info.status.name);
  if (status === 'running' && info.typedSearchAttributes.get(awaitingApprovalKey)) return 'awaiting approval';
  if (status === 'running') return info.typedSearchAttributes.get(agentStatusKey)?.replace(/_/g, ' ') ?? status;
  return status;
}

const args = {
  options: {
    'awaiting-approval': { type: 'boolean' },
    status: { type: 'string' },
    limit: { type: 'string' },
  },
  positionals: [],
  flags: z.object({
    'awaiting-approval': z.boolean().default(false),
    status: z.enum(statusFilters).optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1000, 'must be at most 1000')
      .default(20),
  }),
} as const;

export const listCommand: Command = {
  name: 'list',
  usage: `list [--awaiting-approval] [--status ${statusFilters.slice(0, 3).join('|')}|...] [--limit N]`,
  summary: 'list agent and graph runs with their agent (or graph), status, tokens and cost',
  details: [
    '--awaiting-approval  only runs waiting for a person (AwaitingApproval=true)',
    `--status S           one of ${statusFilters.join(', ')}`,
    '--limit N            at most N runs (default 20)',
  ],
  async run(ctx, argv) {
    const { flags } = parseCommandArgs('list', argv, args);
    const query = listQuery({ awaitingApproval: flags['awaiting-approval'], status: flags.status });
    const client = await ctx.client();
    const runs: WorkflowExecutionInfo[] = [];
    for await (const info of client.workflow.list({ query, pageSize: Math.min(flags.limit, 100) })) {
      runs.push(info);
      if (runs.length >= flags.limit) break;
    }
    if (!runs.length) {
      ctx.print(`no agent runs match ${query}`);
      return;
    }
    ctx.print(
      table<WorkflowExecutionInfo>(runs, [
        { header: 'ID', value: (r) => r.workflowId },
        { header: 'AGENT', value: (r) => r.typedSearchAttributes.get(agentNameKey) ?? '-' },
        { header: 'STATUS', value: runStatus },
        { header: 'STARTED', value: (r) => timestamp(r.startTime) },
        { header: 'TOKENS', value: (r) => String(r.typedSearchAttributes.get(agentTokensKey) ?? '-'), align: 'right' },
        {
          header: 'COST',
          value: (r) => {
            const cost = r.typedSearchAttributes.get(agentCostUsdKey);
            return cost === undefined ? '-' : usd(cost);
          },
          align: 'right',
        },
      ]),
    );
  },
};
