/**
 * Listing agent and graph runs from Temporal's visibility store, filtered by the search attributes every run keeps
 * current. The same query works in `temporal workflow list --query`.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { AGENT_WORKFLOW_TYPE } from '../contracts/agent-contract';
import { GRAPH_WORKFLOW_TYPE } from '../contracts/graph-contract';
import {
  agentCostUsdKey,
  agentNameKey,
  agentStatusKey,
  agentTokensKey,
  awaitingApprovalKey,
} from '../contracts/search-attributes';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { InvalidRunInputError } from './errors';

/** `status` filter values and the ExecutionStatus each one selects. */
export const executionStatuses = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
} as const;
export type RunStatusFilter = keyof typeof executionStatuses;

/** Options of `list`. */
export interface ListOptions {
  status?: RunStatusFilter;
  /** Only runs waiting for a person (AwaitingApproval=true). */
  awaitingApproval?: boolean;
  /** Only runs of this agent or graph (AgentName). */
  agent?: string;
  /** Only agent runs or only graph runs (WorkflowType); both by default. */
  kind?: 'agent' | 'graph';
  /** Only runs that have spent at least / at most this many USD so far (AgentCostUsd). */
  minCostUsd?: number;
  maxCostUsd?: number;
  /** Only runs started at or after / before this moment (StartTime). */
  startedAfter?: Date;
  startedBefore?: Date;
  /** At most this many runs (default 20). */
  limit?: number;
}

/** One run as `list` returns it. */
export interface RunSummary {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** Temporal's status in lower case: `running`, `completed`, `failed`, `canceled`, `terminated`, `timed_out`… */
  status: string;
  /** The run's own status while it runs (`awaiting_approval`), from AgentStatus. */
  agentStatus?: string;
  awaitingApproval: boolean;
  agent?: string;
  tokens?: number;
  costUsd?: number;
  startTime: Date;
  closeTime?: Date;
}

/** An agent name as a query literal; names with quotes or spaces are refused, so none can end the literal early. */
function literal(value: string): string {
  if (!/^[\w.:/-]{1,200}$/.test(value)) {
    throw new InvalidRunInputError(`agent filter "${value}": use letters, digits and . _ : / - only`);
  }
  return `'${value}'`;
}

/** A USD amount as a query literal: a finite, non-negative number, written by us, never the caller's text. */
function usdLiteral(name: string, value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidRunInputError(`${name}: a non-negative number of USD`);
  }
  return String(value);
}

/** A moment as a query literal: a valid Date, written back as ISO 8601 (UTC). */
function timeLiteral(name: string, value: Date): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidRunInputError(`${name}: an ISO 8601 date-time`);
  }
  return `'${value.toISOString()}'`;
}

const workflowTypeOfKind = { agent: AGENT_WORKFLOW_TYPE, graph: GRAPH_WORKFLOW_TYPE } as const;

/** The visibility query for `list`; exported so tests and docs show exactly what is asked for. */
export function listQuery(options: Omit<ListOptions, 'limit'>): string {
  // Graph runs too: a gate in a graph, or in one of its child agents, waits for a person just the same.
  const clauses = options.kind
    ? [`WorkflowType='${workflowTypeOfKind[options.kind]}'`]
    : [`WorkflowType IN ('${AGENT_WORKFLOW_TYPE}', '${GRAPH_WORKFLOW_TYPE}')`];
  if (options.awaitingApproval) clauses.push(`${awaitingApprovalKey.name}=true`);
  if (options.minCostUsd !== undefined) {
    clauses.push(`${agentCostUsdKey.name}>=${usdLiteral('minCostUsd', options.minCostUsd)}`);
  }
  if (options.maxCostUsd !== undefined) {
    clauses.push(`${agentCostUsdKey.name}<=${usdLiteral('maxCostUsd', options.maxCostUsd)}`);
  }
  if (options.startedAfter !== undefined) {
    clauses.push(`StartTime>=${timeLiteral('startedAfter', options.startedAfter)}`);
  }
  if (options.startedBefore !== undefined) {
    clauses.push(`StartTime<${timeLiteral('startedBefore', options.startedBefore)}`);
  }
  if (options.status) clauses.push(`ExecutionStatus='${executionStatuses[options.status]}'`);
  if (options.agent) clauses.push(`${agentNameKey.name}=${literal(options.agent)}`);
  return clauses.join(' AND ');
}

function summaryOf(info: WorkflowExecutionInfo): RunSummary {
  const sa = info.typedSearchAttributes;
  const agentStatus = sa.get(agentStatusKey);
  const agent = sa.get(agentNameKey);
  const tokens = sa.get(agentTokensKey);
  const costUsd = sa.get(agentCostUsdKey);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.type,
    status: info.status.name.toLowerCase(),
    ...(agentStatus !== undefined ? { agentStatus } : {}),
    awaitingApproval: sa.get(awaitingApprovalKey) === true,
    ...(agent !== undefined ? { agent } : {}),
    ...(tokens !== undefined ? { tokens } : {}),
    ...(costUsd !== undefined ? { costUsd } : {}),
    startTime: info.startTime,
    ...(info.closeTime ? { closeTime: info.closeTime } : {}),
  };
}

/** The newest matching runs first. */
export async function listRuns(client: Client, options: ListOptions = {}): Promise<RunSummary[]> {
  const limit = options.limit ?? 20;
  const runs: RunSummary[] = [];
  for await (const info of client.workflow.list({ query: listQuery(options), pageSize: Math.min(limit, 100) })) {
    runs.push(summaryOf(info));
    if (runs.length >= limit) break;
  }
  return runs;
}

/** One page of runs and the token of the next. */
export interface RunPage {
  runs: RunSummary[];
  /** Opaque; pass it back as `pageToken` for the next page. Absent on the last page. */
  nextPageToken?: string;
}

/** One page of the visibility list (newest first), read with the server's own page token. */
export async function listRunsPage(
  client: Client,
  options: ListOptions & { pageToken?: string } = {},
): Promise<RunPage> {
  const pageSize = Math.min(Math.max(options.limit ?? 20, 1), 100);
  let nextPageToken: Uint8Array | undefined;
  if (options.pageToken) {
    nextPageToken = Buffer.from(options.pageToken, 'base64url');
    if (nextPageToken.length === 0) throw new InvalidRunInputError('the page token is not one a list gave');
  }
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: listQuery(options),
    pageSize,
    ...(nextPageToken ? { nextPageToken } : {}),
  });
  const runs: RunSummary[] = [];
  for (const raw of response.executions ?? []) {
    const info = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, client.options.namespace);
    runs.push(summaryOf(info as WorkflowExecutionInfo));
  }
  const token =
    response.nextPageToken && response.nextPageToken.length
      ? Buffer.from(response.nextPageToken).toString('base64url')
      : undefined;
  return { runs, ...(token ? { nextPageToken: token } : {}) };
}
