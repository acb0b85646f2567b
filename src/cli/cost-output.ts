/** How agentctl shows a run's money: the ledger by model and by agent, its budget, and its model routing. */
import type { BudgetStatus } from '../contracts/budget';
import type { ModelRoutingState } from '../contracts/model-routing';
import type { CostLedger, LedgerLine } from '../contracts/pricing';
import { table, usd } from './output';

/**
 * A ledger's total, saying when it leaves models out: `$0.000000 (unpriced, not counted: openai:llama3)`. A bare
 * `$0.000000` for a run on an unpriced model would read as "free", which it is not.
 */
export function costText(cost: Pick<CostLedger, 'totalUsd' | 'unpricedModels'>): string {
  const unpriced = cost.unpricedModels ?? [];
  return unpriced.length ? `${usd(cost.totalUsd)} (unpriced, not counted: ${unpriced.join(', ')})` : usd(cost.totalUsd);
}

function ledgerTable(title: string, lines: Record<string, LedgerLine>, unpriced: string[] = []): string | undefined {
  const rows = Object.entries(lines);
  if (!rows.length) return undefined;
  return `${title}:\n${table<[string, LedgerLine]>(rows, [
    { header: title === 'by model' ? 'MODEL' : 'AGENT', value: ([k]) => k },
    { header: 'CALLS', value: ([, l]) => String(l.calls), align: 'right' },
    { header: 'INPUT', value: ([, l]) => String(l.inputTokens), align: 'right' },
    { header: 'CACHED', value: ([, l]) => String(l.cachedInputTokens), align: 'right' },
    { header: 'OUTPUT', value: ([, l]) => String(l.outputTokens), align: 'right' },
    { header: 'USD', value: ([k, l]) => (unpriced.includes(k) ? 'unpriced' : usd(l.usd)), align: 'right' },
  ])}`;
}

/** The ledger's two tables; empty when nothing was spent yet. */
export function renderLedger(cost: CostLedger): string[] {
  return [ledgerTable('by model', cost.byModel, cost.unpricedModels), ledgerTable('by agent', cost.byAgent)].filter(
    (b): b is string => b !== undefined,
  );
}

/** `budget: maxTokens 330/1000 (670 left) · maxSteps 3/10 …`, plus the breach and the soft warnings. */
export function renderBudget(budget: BudgetStatus | undefined): string | undefined {
  if (!budget) return undefined;
  const spent: Record<string, number> = {
    maxTokens: budget.spent.tokens,
    maxCostUsd: budget.spent.costUsd,
    maxSteps: budget.spent.steps,
    maxToolCalls: budget.spent.toolCalls,
    maxWallClockMs: budget.spent.wallClockMs,
  };
  const parts = Object.entries(budget.remaining).map(([limit, left]) => {
    const show = (v: number) => (limit === 'maxCostUsd' ? usd(v) : String(Math.round(v)));
    return `${limit} ${show(spent[limit] ?? 0)}/${show(budget.limits[limit as keyof typeof budget.limits] ?? 0)} (${show(left)} left)`;
  });
  const lines = [`budget: ${parts.join(' · ')}`];
  if (budget.softWarnings.length) lines.push(`soft threshold passed: ${budget.softWarnings.join(', ')}`);
  if (budget.exceeded) lines.push(`budget exceeded: ${budget.exceeded.message}`);
  return lines.join('\n');
}

/** The fallback chain, open circuits and each switch to a fallback model. */
export function renderRouting(routing: ModelRoutingState | undefined): string | undefined {
  if (!routing) return undefined;
  const open = Object.values(routing.circuits).filter((c) => c.open);
  const lines = [
    `models: ${routing.chain.join(' → ')} (now ${routing.current})`,
    `open circuits: ${open.length ? open.map((c) => `${c.provider} (${c.consecutiveFailures} failures)`).join(', ') : 'none'}`,
    ...routing.decisions.map((d) => `step ${d.step}: ${d.from} → ${d.to}: ${d.reason}`),
  ];
  return lines.join('\n');
}
