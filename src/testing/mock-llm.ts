/** `startMockLlm`: the shipped mock LLM server on a free loopback port, for a user's own offline tests. */
import type { ProviderSettings } from '../activities/models/settings';
import { startMockLlmServer, type MockLlmServer, type MockLlmServerOptions } from '../servers/mock-llm/server';

export type { MockLlmServer, MockRequestLogEntry } from '../servers/mock-llm/server';

/** A running mock LLM server and the provider settings that point a worker at it (`mock:<scenario>` models). */
export interface MockLlm extends MockLlmServer {
  /** Give these to `durableAgentsPlugin({ providers })` or `createAgentWorker({ providers })`. */
  providers: ProviderSettings;
}

export interface StartMockLlmOptions extends Omit<MockLlmServerOptions, 'host'> {
  /** Which wire format the worker's model adapter speaks to it (default OpenAI Chat Completions). */
  wire?: 'openai' | 'anthropic';
}

/** Starts the mock LLM server on 127.0.0.1 (a free port unless `port` is given) with the shipped scenarios. */
export async function startMockLlm(options: StartMockLlmOptions = {}): Promise<MockLlm> {
  const { wire = 'openai', ...serverOptions } = options;
  const server = await startMockLlmServer({ port: 0, ...serverOptions, host: '127.0.0.1' });
  return Object.assign(server, { providers: { mock: { baseURL: server.url, wire } } });
}
