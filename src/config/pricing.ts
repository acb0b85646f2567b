/**
 * Pricing switches of the worker. The price table itself comes from AGENT_PRICES_FILE (`pricesFromEnv`);
 * this module reads the operator's explicit opt-out of the unpriced-model refusal.
 */
import { UserError } from '../contracts/errors';
import { ALLOW_UNPRICED_MODELS_VARIABLE } from '../contracts/pricing';

/**
 * AGENT_ALLOW_UNPRICED_MODELS=true lets a run with a `maxCostUsd` budget call models the price table does not
 * price (they count $0, so the budget does not bind on them). Off by default: such a call is refused.
 */
export function allowUnpricedModelsFromEnv(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env[ALLOW_UNPRICED_MODELS_VARIABLE]?.trim();
  if (!raw) return false;
  if (raw !== 'true' && raw !== 'false') {
    throw new UserError(`${ALLOW_UNPRICED_MODELS_VARIABLE} must be true or false, not "${raw}"`);
  }
  return raw === 'true';
}
