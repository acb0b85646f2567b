import { z } from 'zod';

export const providers = ['openai', 'anthropic', 'mock'] as const;
export type Provider = (typeof providers)[number];

/** A model id is `provider:model`; the model part is passed to the provider unchanged. */
export const modelIdSchema = z
  .string()
  .regex(
    /^(openai|anthropic|mock):\S+$/,
    'model must look like provider:model, with provider one of openai, anthropic, mock',
  );

export interface ModelId {
  provider: Provider;
  model: string;
}

/** Splits `provider:model`. Throws a plain Error naming the bad id; callers validate first where input is external. */
export function parseModelId(id: string): ModelId {
  const at = id.indexOf(':');
  const provider = id.slice(0, at) as Provider;
  const model = id.slice(at + 1);
  if (at <= 0 || !model || !providers.includes(provider)) {
    throw new Error(`invalid model id "${id}": expected provider:model with provider one of ${providers.join(', ')}`);
  }
  return { provider, model };
}
