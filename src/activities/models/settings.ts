/** Which model providers this worker may call, and where; filled by config/providers.ts from the environment. */
export interface ProviderSettings {
  openai?: { apiKey: string; baseURL?: string };
  anthropic?: { apiKey: string; baseURL?: string };
  /** The shipped mock LLM server; `mock:<scenario>` model ids go here over the chosen wire format. */
  mock?: { baseURL: string; wire: 'openai' | 'anthropic' };
}
