/**
 * Provider-neutral conversation format. Every adapter translates to and from these shapes, so the
 * workflow never sees a provider's wire format and the same agent runs on any provider.
 */
import { z } from 'zod';
import type { ConversationRef } from './conversation';

/** One tool invocation requested by the model. `arguments` is the raw JSON text the model produced. */
export const toolCallSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string(),
    toolCalls: z.array(toolCallSchema).optional(),
  }),
  z.object({
    role: z.literal('tool'),
    toolCallId: z.string(),
    toolName: z.string(),
    content: z.string(),
    isError: z.boolean().optional(),
  }),
]);
export type Message = z.infer<typeof messageSchema>;
export type AssistantMessage = Extract<Message, { role: 'assistant' }>;
export type ToolResultMessage = Extract<Message, { role: 'tool' }>;

/** What the model is told about a tool: its name, purpose and JSON-schema parameters. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * Token usage as reported by the provider. `cachedInputTokens` (read from the prompt cache) and
 * `cacheWriteInputTokens` (written to it, Anthropic only) are both part of `inputTokens`.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens?: number;
}

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  const cacheWrite = (a.cacheWriteInputTokens ?? 0) + (b.cacheWriteInputTokens ?? 0);
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    // Kept off when zero, so usage without cache writes looks exactly as it always did.
    ...(cacheWrite ? { cacheWriteInputTokens: cacheWrite } : {}),
  };
}

/** Input of the `callModel` activity. */
export interface ModelRequest {
  /** `provider:model`, e.g. `openai:gpt-4o-mini`, `anthropic:claude-sonnet-4-5`, `mock:two-tool-calls`. */
  model: string;
  system: string;
  messages: Message[];
  tools: ToolDefinition[];
  /** When set, the final answer must be JSON matching this schema. */
  outputSchema?: Record<string, unknown>;
  maxOutputTokens?: number;
  temperature?: number;
  /**
   * The conversation by reference: when set, `messages` holds only the messages new since the stored
   * revision, and the activity appends them to the conversation store and sends the whole conversation.
   */
  conversation?: ConversationRef;
  /**
   * A cost budget (`maxCostUsd`) binds this call: the worker refuses, before calling the provider, a model its
   * price table does not price (a budget counting $0 for it would never bind), unless its operator allows
   * unpriced models.
   */
  requirePrice?: boolean;
  /**
   * Set only in replay runs: where the recording of the replayed run is, so the model activity answers this
   * request from it when it is the same as recorded (src/contracts/evals/replay.ts).
   */
  replay?: ModelReplayRef;
}

/**
 * A replay run's reference to its recording: the recorded run's ids, or `fromRunInput` (the recorded exchanges
 * are in the replay run's own input). Ids only, never the recording itself.
 */
export type ModelReplayRef = { recordedWorkflowId: string; recordedRunId?: string } | { fromRunInput: true };

export type StopReason = 'end_turn' | 'tool_calls' | 'max_tokens' | 'other';

/** Output of the `callModel` activity. */
export interface ModelResponse {
  message: AssistantMessage;
  stopReason: StopReason;
  usage: Usage;
  /** The model name the provider reports having used. */
  providerModel: string;
  /** The price the worker's table gives this model (USD per million tokens), so the ledger uses the worker's prices. */
  price?: { input: number; cachedInput: number; output: number; cacheWrite?: number };
  /** Set when a replay run's request was answered from the recording: no provider was called for it. */
  replayed?: true;
}
