/**
 * `agentctl status <id>`: the run's live `state` query, rendered for people (or raw with --json). When no
 * worker can answer the query, the server's description of the workflow stands in for it.
 */
import type { WorkflowExecutionDescription } from '../client/temporal-errors';
import { z } from 'zod';
import type { AgentState, PendingApproval, StepRecord } from '../contracts/agent-contract';
import { agentCostUsdKey, agentNameKey, agentStatusKey, agentTokensKey } from '../contracts/search-attributes';
import type { GraphRunState } from '../contracts/graph-contract';
import { parseCommandArgs, type Command } from './command';
import { isGraphState, renderGraphState } from './graph-output';
import { fields, json, statusName, table, textOf, timestamp, tokens, usd } from './output';
import { costText, renderBudget, renderLedger, renderRouting } from './cost-output';

/** The `state` query for people: overview, step table and pending approvals. */
export function renderState(workflowId: string, state: AgentState | GraphRunState, rootCause?: string): string {
  if (isGraphState(state)) return renderGraphState(workflowId, state, rootCause);
  const overview: [string, string][] = [
    ['run', workflowId],
    ['agent', state.agent],
    ['model', state.model],
    ['status', state.status],
    ['step', `${state.step}/${state.maxSteps}`],
    ['tokens', tokens(state.usage)],
    ['cost', costText(state.cost)],
  ];
  if (state.runs) overview.push(['runs', `${state.runs} (continued as new; totals cover every run)`]);
  // The state knows only the workflow's own error text ("Activity task failed"); the cause chain knows why.
  const error = rootCause ?? (state.error === undefined ? undefined : textOf(state.error));
  if (error) overview.push(['error', error]);

  const blocks = [fields(overview)];
  for (const block of [renderBudget(state.budget), renderRouting(state.routing), ...renderLedger(state.cost)])
    if (block) blocks.push(block);
  blocks.push(
    state.steps.length
      ? table<StepRecord>(state.steps, [
          { header: 'STEP', value: (s) => String(s.step), align: 'right' },
          { header: 'KIND', value: (s) => s.kind },
          { header: 'NAME', value: (s) => s.name },
          { header: 'STATUS', value: (s) => s.status },
          { header: 'SUMMARY', value: (s) => s.summary, flex: true },
        ])
      : 'no steps yet',
  );
  blocks.push(
    state.pendingApprovals.length
      ? `pending approvals (agentctl approve ${workflowId} --approval ID):\n` +
          table<PendingApproval>(state.pendingApprovals, [
            { header: 'ID', value: (p) => p.approvalId },
            { header: 'WHAT', value: (p) => p.what },
            { header: 'PROPOSED', value: (p) => p.proposed, flex: true },
          ])
      : 'pending approvals: none',
  );
  return blocks.join('\n\n');
}

/** What the server knows without a worker: status, times and the search attributes the run last set. */
export function renderDescription(
  description: WorkflowExecutionDescription,
  reason: string,
  rootCause?: string,
): string {
  const sa = description.typedSearchAttributes;
  const entries: [string, string][] = [
    ['run', description.workflowId],
    ['type', description.type],
    ['status', statusName(description.status.name)],
    ['started', timestamp(description.startTime)],
  ];
  if (description.closeTime) entries.push(['closed', timestamp(description.closeTime)]);
  const agent = sa.get(agentNameKey);
  if (agent) entries.push(['agent', agent]);
  const agentStatus = sa.get(agentStatusKey);
  if (agentStatus) entries.push(['agent status', agentStatus]);
  const agentTokens = sa.get(agentTokensKey);
  if (agentTokens !== undefined) entries.push(['tokens', String(agentTokens)]);
  const cost = sa.get(agentCostUsdKey);
  if (cost !== undefined) entries.push(['cost', usd(cost)]);
  entries.push(['task queue', description.taskQueue], ['history', `${description.historyLength} events`]);
  if (rootCause) entries.push(['error', rootCause]);
  return `${fields(entries)}\n\nlive state unavailable: ${reason}`;
}

const args = {
  options: { json: { type: 'boolean' } },
  positionals: ['id'],
  flags: z.object({ json: z.boolean().default(false) }),
} as const;

export const statusCommand: Command = {
  name: 'status',
  usage: 'status <id> [--json]',
  summary: "show a run's live state: status, steps, tokens, cost, pending approvals",
  details: ['--json  print the raw AgentState (the `state` query) as JSON'],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('status', argv, args);
    const workflowId = positionals[0] as string;
    const client = await ctx.client();
    // Describe first: it answers without a worker and turns an unknown id into WorkflowNotFoundError.
    const description = await client.describe(workflowId);
    const answer = await client.tryGetState(workflowId, description);
    const rootCause = (await client.failureOf(workflowId, description))?.message;
    if (answer.ok) {
      ctx.print(flags.json ? json(answer.state) : renderState(workflowId, answer.state, rootCause));
      return;
    }
    const reason = answer.reason;
    if (flags.json) {
      ctx.print(
        json({
          workflowId,
          status: statusName(description.status.name),
          startTime: description.startTime,
          closeTime: description.closeTime ?? null,
          stateUnavailable: reason,
          ...(rootCause ? { error: rootCause } : {}),
        }),
      );
      return;
    }
    ctx.print(renderDescription(description, reason, rootCause));
  },
};
