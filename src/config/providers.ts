/** Model providers from the environment: keys and base URLs, the price table and per-provider rate limits. */
import fs from 'node:fs';
import type { ProviderSettings } from '../activities/models/settings';
import { providers as providerNames, type Provider } from '../contracts/model-id';
import { parsePriceTable, type ModelPrice } from '../contracts/pricing';
import { UserError } from '../contracts/errors';
import { nonEmpty, type Env } from './values';

/** OPENAI_*, ANTHROPIC_* and MOCK_LLM_* variables: which providers this worker may call, and where. */
export function providerSettingsFromEnv(env: Env = process.env): ProviderSettings {
  const providers: ProviderSettings = {};
  const openaiKey = nonEmpty(env.OPENAI_API_KEY);
  const openaiBase = nonEmpty(env.OPENAI_BASE_URL);
  // An OpenAI-compatible local server (Ollama, vLLM, LM Studio) often needs no key; a base URL alone enables it.
  if (openaiKey || openaiBase) providers.openai = { apiKey: openaiKey ?? 'not-needed', baseURL: openaiBase };
  const anthropicKey = nonEmpty(env.ANTHROPIC_API_KEY);
  const anthropicBase = nonEmpty(env.ANTHROPIC_BASE_URL);
  if (anthropicKey || anthropicBase)
    providers.anthropic = { apiKey: anthropicKey ?? 'not-needed', baseURL: anthropicBase };
  const mockUrl = nonEmpty(env.MOCK_LLM_URL);
  if (mockUrl) {
    const wire = nonEmpty(env.MOCK_LLM_WIRE) ?? 'openai';
    if (wire !== 'openai' && wire !== 'anthropic')
      throw new UserError(`MOCK_LLM_WIRE must be openai or anthropic, not "${wire}"`);
    providers.mock = { baseURL: mockUrl.replace(/\/$/, ''), wire };
  }
  return providers;
}

/** Reads AGENT_PRICES_FILE: JSON `{ "provider:model": { input, cachedInput?, output } }`, USD per million tokens. */
export function pricesFromEnv(env: Env = process.env): Record<string, ModelPrice> | undefined {
  const file = nonEmpty(env.AGENT_PRICES_FILE);
  if (!file) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`AGENT_PRICES_FILE ${file}: ${(err as Error).message}`);
  }
  try {
    return parsePriceTable(raw, `AGENT_PRICES_FILE ${file}`);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/** Reads AGENT_RATE_LIMIT_OPENAI, AGENT_RATE_LIMIT_ANTHROPIC, AGENT_RATE_LIMIT_MOCK: model calls per second. */
export function rateLimitsFromEnv(env: Env = process.env): Partial<Record<Provider, number>> {
  const limits: Partial<Record<Provider, number>> = {};
  for (const provider of providerNames) {
    const name = `AGENT_RATE_LIMIT_${provider.toUpperCase()}`;
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    const rate = Number(value);
    if (!Number.isFinite(rate) || rate <= 0)
      throw new UserError(`${name} must be a positive number of model calls per second, not "${value}"`);
    limits[provider] = rate;
  }
  return limits;
}
