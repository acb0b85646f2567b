/**
 * Token prices and the run's cost ledger. Pure functions, so the workflow can keep the ledger itself
 * and the figures replay exactly.
 */
import { z } from 'zod';
import { modelIdSchema, parseModelId } from './model-id';
import type { Usage } from './messages';
import { issueLines } from './zod-issues';

/** US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  cachedInput: number;
  output: number;
  /** Input written to the prompt cache (Anthropic's 5-minute cache); the input price when absent. */
  cacheWrite?: number;
}

/** List prices of common models (USD per million tokens, late 2026). Unknown models cost 0 and are flagged. */
export const defaultPrices: Record<string, ModelPrice> = {
  'openai:gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'openai:gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'openai:gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'openai:gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'openai:gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'anthropic:claude-sonnet-4-5': { input: 3, cachedInput: 0.3, output: 15, cacheWrite: 3.75 },
  'anthropic:claude-haiku-4-5': { input: 1, cachedInput: 0.1, output: 5, cacheWrite: 1.25 },
  'anthropic:claude-opus-4-1': { input: 15, cachedInput: 1.5, output: 75, cacheWrite: 18.75 },
};

/** Mock models are priced like gpt-4o-mini so offline runs show realistic-looking ledgers. */
const mockPrice: ModelPrice = { input: 0.15, cachedInput: 0.075, output: 0.6, cacheWrite: 0.1875 };

export function priceFor(model: string, prices: Record<string, ModelPrice> = defaultPrices): ModelPrice | undefined {
  const exact = prices[model];
  if (exact) return exact;
  return parseModelId(model).provider === 'mock' ? mockPrice : undefined;
}

/** The setting that lets a worker serve unpriced models under a cost budget. */
export const ALLOW_UNPRICED_MODELS_VARIABLE = 'AGENT_ALLOW_UNPRICED_MODELS';

/**
 * Why a cost budget cannot bind a call to `model`: its message names the model and how to price it. Shared by
 * the worker (which refuses the call) and the client (which refuses the start), so both say the same thing.
 */
export function unpricedModelMessage(model: string, where = "this worker's price table"): string {
  return (
    `model ${model} has no price in ${where}, so a maxCostUsd budget would count it as $0 and never bind; ` +
    `price it in the JSON file AGENT_PRICES_FILE names ({ "${model}": { "input": 0.5, "output": 1.5 } }, USD per ` +
    `million tokens), or let the worker's operator allow unpriced models with ${ALLOW_UNPRICED_MODELS_VARIABLE}=true`
  );
}

/**
 * Cost in USD of one response's usage. Cache reads and cache writes are part of input tokens; reads are priced
 * at the cached rate, writes at the cache-write rate, the rest at the input rate.
 */
export function costOf(usage: Usage, price: ModelPrice): number {
  const written = usage.cacheWriteInputTokens ?? 0;
  const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - written);
  return (
    (uncached * price.input +
      usage.cachedInputTokens * price.cachedInput +
      written * (price.cacheWrite ?? price.input) +
      usage.outputTokens * price.output) /
    1e6
  );
}

export interface LedgerLine {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  usd: number;
  calls: number;
}

export interface CostLedger {
  totalUsd: number;
  totalTokens: number;
  byModel: Record<string, LedgerLine>;
  byAgent: Record<string, LedgerLine>;
  /** Models used that have no price; their tokens are counted but cost nothing here. */
  unpricedModels: string[];
}

export const emptyLedger = (): CostLedger => ({
  totalUsd: 0,
  totalTokens: 0,
  byModel: {},
  byAgent: {},
  unpricedModels: [],
});

function addLine(line: LedgerLine | undefined, usage: Usage, usd: number, calls = 1): LedgerLine {
  const l = line ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, usd: 0, calls: 0 };
  return {
    inputTokens: l.inputTokens + usage.inputTokens,
    cachedInputTokens: l.cachedInputTokens + usage.cachedInputTokens,
    outputTokens: l.outputTokens + usage.outputTokens,
    usd: l.usd + usd,
    calls: l.calls + calls,
  };
}

/** Returns a new ledger with one model call added. */
export function recordUsage(
  ledger: CostLedger,
  entry: { model: string; agent: string; usage: Usage; price?: ModelPrice; calls?: number },
  prices?: Record<string, ModelPrice>,
): CostLedger {
  // A price the worker reported with the response (its configured table) wins over the built-in one.
  const price = entry.price ?? priceFor(entry.model, prices);
  const usd = price ? costOf(entry.usage, price) : 0;
  const unpriced =
    price || ledger.unpricedModels.includes(entry.model)
      ? ledger.unpricedModels
      : [...ledger.unpricedModels, entry.model];
  return {
    totalUsd: ledger.totalUsd + usd,
    totalTokens: ledger.totalTokens + entry.usage.inputTokens + entry.usage.outputTokens,
    byModel: {
      ...ledger.byModel,
      [entry.model]: addLine(ledger.byModel[entry.model], entry.usage, usd, entry.calls),
    },
    byAgent: {
      ...ledger.byAgent,
      [entry.agent]: addLine(ledger.byAgent[entry.agent], entry.usage, usd, entry.calls),
    },
    unpricedModels: unpriced,
  };
}

function sumLines(a: LedgerLine | undefined, b: LedgerLine): LedgerLine {
  if (!a) return { ...b };
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    usd: a.usd + b.usd,
    calls: a.calls + b.calls,
  };
}

/** Adds a child run's ledger to its parent's, so a graph's cost includes every agent it ran. */
export function mergeLedgers(parent: CostLedger, child: CostLedger): CostLedger {
  const byModel = { ...parent.byModel };
  for (const [k, v] of Object.entries(child.byModel)) byModel[k] = sumLines(byModel[k], v);
  const byAgent = { ...parent.byAgent };
  for (const [k, v] of Object.entries(child.byAgent)) byAgent[k] = sumLines(byAgent[k], v);
  return {
    totalUsd: parent.totalUsd + child.totalUsd,
    totalTokens: parent.totalTokens + child.totalTokens,
    byModel,
    byAgent,
    unpricedModels: [...new Set([...parent.unpricedModels, ...child.unpricedModels])],
  };
}

/** Model calls (responses) a ledger holds, over every model. */
export function ledgerCalls(ledger: CostLedger): number {
  return Object.values(ledger.byModel).reduce((sum, line) => sum + line.calls, 0);
}

const priceValue = z.number().nonnegative();
/** A price table as a config file gives it: `{ "openai:gpt-4o-mini": { "input": 0.15, "cachedInput": 0.075, "output": 0.6 } }`. */
export const priceTableSchema = z.record(
  z.string(),
  z
    .object({
      input: priceValue,
      cachedInput: priceValue.optional(),
      output: priceValue,
      cacheWrite: priceValue.optional(),
    })
    .strict(),
);

/** Validates a price table; cached input defaults to the input price. Throws an Error naming the bad field. */
export function parsePriceTable(raw: unknown, source: string): Record<string, ModelPrice> {
  const parsed = priceTableSchema.safeParse(raw);
  const problems = parsed.success ? [] : issueLines(parsed.error.issues, { root: '(table)' });
  if (parsed.success) {
    for (const model of Object.keys(parsed.data)) {
      const id = modelIdSchema.safeParse(model);
      if (!id.success) problems.push(`${model}: ${id.error.issues[0]?.message}`);
    }
  }
  if (!parsed.success || problems.length) throw new Error(`invalid price table ${source}: ${problems.join('; ')}`);
  return Object.fromEntries(
    Object.entries(parsed.data).map(([model, p]) => [
      model,
      {
        input: p.input,
        cachedInput: p.cachedInput ?? p.input,
        output: p.output,
        ...(p.cacheWrite !== undefined ? { cacheWrite: p.cacheWrite } : {}),
      },
    ]),
  );
}
