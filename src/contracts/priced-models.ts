/**
 * Which models a run can call, and which of them a price table leaves unpriced. Pure functions shared by the
 * client, which refuses to start a cost-budgeted run on a model it knows to be unpriced, and its tests. The
 * worker decides for good in the model activity (`requirePrice`), since only it holds AGENT_PRICES_FILE.
 */
import type { GraphSpec } from './graph-spec';
import { priceFor, type ModelPrice } from './pricing';

/** Every model an agent input can call: its model, its fallbacks and its summary model. */
export function agentModels(input: {
  model: string;
  fallbackModels?: readonly string[];
  context?: { summaryModel?: string };
}): string[] {
  const models = [input.model, ...(input.fallbackModels ?? [])];
  if (input.context?.summaryModel) models.push(input.context.summaryModel);
  return [...new Set(models)];
}

/** Every model a graph spec can call: its agents' models and fallbacks, llm nodes, routers and chat selectors. */
export function graphModels(spec: GraphSpec): string[] {
  const models: string[] = [];
  for (const agent of Object.values(spec.agents)) models.push(agent.model, ...(agent.fallbackModels ?? []));
  for (const node of Object.values(spec.nodes)) {
    if (node.kind === 'llm') models.push(node.model);
    if (node.kind === 'groupChat' && typeof node.speaker === 'object') models.push(node.speaker.selector.model);
    const next = 'next' in node ? node.next : undefined;
    if (next && typeof next === 'object' && 'router' in next) models.push(next.router.model);
  }
  return [...new Set(models)];
}

/** The models of `models` that `prices` (over the built-in table) does not price; none without a cost budget. */
export function unpricedUnderBudget(
  models: readonly string[],
  budget: { maxCostUsd?: number } | undefined,
  prices?: Record<string, ModelPrice>,
): string[] {
  if (budget?.maxCostUsd === undefined) return [];
  return models.filter((m) => !priceFor(m, prices));
}
