/**
 * agentctl's check before it starts a run with a `maxCostUsd` budget: a model the price table does not price
 * would count $0, so the budget could not bind. The worker refuses such calls anyway (`ModelUnpriced`); failing
 * here says so in one line before anything starts. The table is the built-in one plus AGENT_PRICES_FILE when
 * agentctl's environment names it, and AGENT_ALLOW_UNPRICED_MODELS=true skips the check (the worker still
 * decides with its own setting).
 */
import { pricesFromEnv } from '../config/providers';
import { allowUnpricedModelsFromEnv } from '../config/pricing';
import { UserError } from '../contracts/errors';
import { unpricedUnderBudget } from '../contracts/priced-models';
import { defaultPrices, unpricedModelMessage } from '../contracts/pricing';

/** Throws a UserError naming the first unpriced model and how to price it; nothing is started then. */
export function assertPricedUnderBudget(
  models: readonly string[],
  budget: { maxCostUsd?: number } | undefined,
  what: string,
  env: Record<string, string | undefined> = process.env,
): void {
  if (budget?.maxCostUsd === undefined || allowUnpricedModelsFromEnv(env)) return;
  const unpriced = unpricedUnderBudget(models, budget, { ...defaultPrices, ...pricesFromEnv(env) });
  const [first] = unpriced;
  if (!first) return;
  throw new UserError(
    `${what} has a maxCostUsd budget, but ${unpricedModelMessage(first, 'the price table (built-in, plus AGENT_PRICES_FILE when set here)')}; nothing was started`,
  );
}
