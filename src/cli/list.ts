/**
 * `agentctl list`: agent runs from Temporal's visibility store, filtered by the search attributes every
 * run keeps current. The same query works in `temporal workflow list --query`.
 */
import { z } from 'zod';
import { executionStatuses, listQuery, type RunStatusFilter, type RunSummary } from '../client/list';
import { parseCommandArgs, type Command } from './command';
import { statusName, table, timestamp, usd } from './output';

const statusFilters = Object.keys(executionStatuses) as [RunStatusFilter, ...RunStatusFilter[]];

export { listQuery };

/** A running run waiting for a person says so; otherwise Temporal's own status is the truth. */
function runStatus(run: RunSummary): string {
  const status = statusName(run.status);
  if (status === 'running' && run.awaitingApproval) return 'awaiting approval';
  if (status === 'running') return run.agentStatus?.replace(/_/g, ' ') ?? status;
  return status;
}

const args = {
  options: {
    'awaiting-approval': { type: 'boolean' },
    status: { type: 'string' },
    agent: { type: 'string' },
    limit: { type: 'string' },
  },
  positionals: [],
  flags: z.object({
    'awaiting-approval': z.boolean().default(false),
    status: z.enum(statusFilters).optional(),
    agent: z.string().trim().min(1, 'must not be empty').optional(),
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
  usage: `list [--awaiting-approval] [--status ${statusFilters.slice(0, 3).join('|')}|...] [--agent NAME] [--limit N]`,
  summary: 'list agent and graph runs with their agent (or graph), status, tokens and cost',
  details: [
    '--awaiting-approval  only runs waiting for a person (AwaitingApproval=true)',
    `--status S           one of ${statusFilters.join(', ')}`,
    '--agent NAME         only runs of this agent or graph (AgentName)',
    '--limit N            at most N runs (default 20)',
  ],
  async run(ctx, argv) {
    const { flags } = parseCommandArgs('list', argv, args);
    const filter = {
      awaitingApproval: flags['awaiting-approval'],
      ...(flags.status ? { status: flags.status } : {}),
      ...(flags.agent ? { agent: flags.agent } : {}),
    };
    const runs = await (await ctx.client()).list({ ...filter, limit: flags.limit });
    if (!runs.length) {
      ctx.print(`no agent runs match ${listQuery(filter)}`);
      return;
    }
    ctx.print(
      table<RunSummary>(runs, [
        { header: 'ID', value: (r) => r.workflowId },
        { header: 'AGENT', value: (r) => r.agent ?? '-' },
        { header: 'STATUS', value: runStatus },
        { header: 'STARTED', value: (r) => timestamp(r.startTime) },
        { header: 'TOKENS', value: (r) => String(r.tokens ?? '-'), align: 'right' },
        {
          header: 'COST',
          value: (r) => (r.costUsd === undefined ? '-' : usd(r.costUsd)),
          align: 'right',
        },
      ]),
    );
  },
};
