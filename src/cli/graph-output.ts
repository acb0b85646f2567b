/** How agentctl shows graph runs: their state (steps, decisions, approvals) and their result. */
import type { PendingApproval } from '../contracts/agent-contract';
import type { GraphResult, GraphRunState, GraphStepRecord, RoutingDecision } from '../contracts/graph-contract';
import { fields, json, table, textOf, tokens } from './output';
import { costText, renderBudget, renderLedger } from './cost-output';

function decisionsTable(decisions: RoutingDecision[]): string {
  if (!decisions.length) return 'routing decisions: none yet';
  return `routing decisions:\n${table<RoutingDecision>(decisions, [
    { header: 'STEP', value: (d) => String(d.step), align: 'right' },
    { header: 'FROM', value: (d) => d.from },
    { header: 'TO', value: (d) => d.to },
    { header: 'BY', value: (d) => d.by },
    { header: 'REASON', value: (d) => textOf(d.reason), flex: true },
  ])}`;
}

export function renderGraphState(workflowId: string, state: GraphRunState, rootCause?: string): string {
  const overview: [string, string][] = [
    ['run', workflowId],
    ['graph', state.graph],
    ['status', state.status],
    ['node', state.currentNode ?? '-'],
    ['step', String(state.step)],
    ['tokens', tokens(state.usage)],
    ['cost', costText(state.cost)],
  ];
  const error = rootCause ?? (state.error === undefined ? undefined : textOf(state.error));
  if (error) overview.push(['error', error]);
  const steps = state.steps.length
    ? table<GraphStepRecord>(state.steps, [
        { header: 'STEP', value: (s) => String(s.step), align: 'right' },
        { header: 'NODE', value: (s) => s.node },
        { header: 'KIND', value: (s) => s.kind },
        { header: 'STATUS', value: (s) => s.status },
        {
          header: 'SUMMARY',
          value: (s) => `${textOf(s.summary)}${s.children?.length ? ` [children: ${s.children.join(', ')}]` : ''}`,
          flex: true,
        },
      ])
    : 'no steps yet';
  const approvals = state.pendingApprovals.length
    ? `pending approvals (agentctl approve ${workflowId} --approval ID):\n` +
      table<PendingApproval>(state.pendingApprovals, [
        { header: 'ID', value: (p) => p.approvalId },
        { header: 'WHAT', value: (p) => p.what },
        { header: 'PROPOSED', value: (p) => p.proposed, flex: true },
      ])
    : 'pending approvals: none';
  const money = [renderBudget(state.budget), ...renderLedger(state.cost)].filter((b): b is string => Boolean(b));
  return [fields(overview), ...money, steps, decisionsTable(state.decisions), approvals].join('\n\n');
}

export function renderGraphResult(workflowId: string, result: GraphResult): string {
  const output = typeof result.output === 'string' ? result.output : json(result.output);
  const overview: [string, string][] = [
    ['run', workflowId],
    ['graph', result.graph],
    ['status', result.status],
    ['steps', String(result.steps.length)],
    ['tokens', tokens(result.usage)],
    ['cost', costText(result.cost)],
  ];
  if (result.reason) overview.push(['reason', textOf(result.reason)]);
  return [output || '(no output)', fields(overview), decisionsTable(result.decisions)].join('\n\n');
}

export { isGraphResult, isGraphState } from '../client/types';
