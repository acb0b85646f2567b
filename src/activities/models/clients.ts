/**
 * Builds one adapter per configured provider over the real SDKs. The SDKs' own retries are off
 * (`maxRetries: 0`): Temporal's retry policy is the one place retries happen, so each attempt is in history.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Provider } from '../../contracts/model-id';
import type { ProviderSettings } from './settings';
import { createAnthropicAdapter } from './anthropic';
import { createOpenAIAdapter } from './openai';
import type { ModelAdapter } from './types';

/** Generous on purpose: the activity's start-to-close timeout bounds an attempt, not the SDK. */
const SDK_TIMEOUT_MS = 10 * 60 * 1000;

export function createModelAdapters(providers: ProviderSettings): Partial<Record<Provider, ModelAdapter>> {
  const adapters: Partial<Record<Provider, ModelAdapter>> = {};
  if (providers.openai) {
    adapters.openai = createOpenAIAdapter(
      new OpenAI({
        apiKey: providers.openai.apiKey,
        baseURL: providers.openai.baseURL,
        maxRetries: 0,
        timeout: SDK_TIMEOUT_MS,
      }),
    );
  }
  if (providers.anthropic) {
    adapters.anthropic = createAnthropicAdapter(
      new Anthropic({
        apiKey: providers.anthropic.apiKey,
        baseURL: providers.anthropic.baseURL,
        maxRetries: 0,
        timeout: SDK_TIMEOUT_MS,
      }),
    );
  }
  if (providers.mock) {
    const { baseURL, wire } = providers.mock;
    adapters.mock =
      wire === 'anthropic'
        ? createAnthropicAdapter(
            new Anthropic({ apiKey: 'mock', baseURL, maxRetries: 0, timeout: SDK_TIMEOUT_MS }),
            'mock',
          )
        : createOpenAIAdapter(
            new OpenAI({ apiKey: 'mock', baseURL: `${baseURL}/v1`, maxRetries: 0, timeout: SDK_TIMEOUT_MS }),
            'mock',
          );
  }
  return adapters;
}
