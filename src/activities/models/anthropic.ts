/** Anthropic Messages behind the provider-neutral format. */
import type Anthropic from '@anthropic-ai/sdk';
import type { Message, ModelResponse, StopReason, ToolCall } from '../../contracts/messages';
import type { AdapterRequest, ModelAdapter } from './types';

type AnthropicMessage = Anthropic.MessageParam;
type ContentBlock = Anthropic.ContentBlockParam;

const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's five-minute prompt cache. */
const ephemeral: Anthropic.CacheControlEphemeral = { type: 'ephemeral' };

function parseInput(args: string): unknown {
  try {
    return JSON.parse(args || '{}');
  } catch {
    // Anthropic wants an object; keep the model's text so the conversation stays faithful.
    return { _unparsed_arguments: args };
  }
}

/** Tool results follow the assistant turn as one user message of tool_result blocks. */
function toAnthropicMessages(messages: Message[]): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  for (const m of messages) {
    if (m.role === 'user') {
      out.push({ role: 'user', content: m.content });
    } else if (m.role === 'assistant') {
      const content: ContentBlock[] = [];
      if (m.content) content.push({ type: 'text', text: m.content });
      for (const c of m.toolCalls ?? []) {
        content.push({ type: 'tool_use', id: c.id, name: c.name, input: parseInput(c.arguments) });
      }
      out.push({ role: 'assistant', content });
    } else {
      const block: ContentBlock = {
        type: 'tool_result',
        tool_use_id: m.toolCallId,
        content: m.content,
        ...(m.isError ? { is_error: true } : {}),
      };
      const last = out[out.length - 1];
      if (
        last &&
        last.role === 'user' &&
        Array.isArray(last.content) &&
        last.content.every((b) => b.type === 'tool_result')
      ) {
        last.content.push(block);
      } else {
        out.push({ role: 'user', content: [block] });
      }
    }
  }
  return out;
}

const stopReasons: Record<string, StopReason> = {
  end_turn: 'end_turn',
  tool_use: 'tool_calls',
  max_tokens: 'max_tokens',
};

export function createAnthropicAdapter(client: Anthropic, provider = 'anthropic'): ModelAdapter {
  return {
    provider,
    async complete(
      request: AdapterRequest,
      signal: AbortSignal,
      onHeaders?: (headers: Headers) => void,
    ): Promise<ModelResponse> {
      // Messages has no JSON mode here; the schema is stated once, at the end of the system prompt.
      const system = request.outputSchema
        ? `${request.system}\n\nReply with only a JSON value that matches this JSON schema: ${JSON.stringify(request.outputSchema)}`
        : request.system;
      // The system prompt and the tool definitions are the same on every turn of a run: marking their ends
      // with cache_control lets Anthropic serve that prefix from its prompt cache (tools come first in
      // Anthropic's prefix order, then the system prompt, so each breakpoint covers everything before it).
      const tools = request.tools.map((t, i, all): Anthropic.Tool => ({
        name: t.name,
        description: t.description,
        input_schema: t.parameters as Anthropic.Tool.InputSchema,
        ...(i === all.length - 1 ? { cache_control: ephemeral } : {}),
      }));
      const { data: response, response: http } = await client.messages
        .create(
          {
            model: request.model,
            ...(system ? { system: [{ type: 'text', text: system, cache_control: ephemeral }] } : {}),
            messages: toAnthropicMessages(request.messages),
            max_tokens: request.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
            ...(tools.length ? { tools } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          },
          { signal },
        )
        .withResponse();
      onHeaders?.(http.headers);
      const text = response.content
        .filter((b): b is Anthropic.TextBlock => b.type === 'text')
        .map((b) => b.text)
        .join('');
      const toolCalls: ToolCall[] = response.content
        .filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
        // A non-object input is how a malformed call arrives; pass its text on for the tool to reject.
        .map((b) => ({
          id: b.id,
          name: b.name,
          arguments: typeof b.input === 'string' ? b.input : JSON.stringify(b.input),
        }));
      const u = response.usage;
      const cacheRead = u.cache_read_input_tokens ?? 0;
      const cacheWrite = u.cache_creation_input_tokens ?? 0;
      return {
        message: { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) },
        stopReason: stopReasons[response.stop_reason ?? ''] ?? 'other',
        usage: {
          // Anthropic counts cache reads and writes apart from input_tokens; ours are part of inputTokens.
          inputTokens: u.input_tokens + cacheRead + cacheWrite,
          outputTokens: u.output_tokens,
          cachedInputTokens: cacheRead,
          ...(cacheWrite ? { cacheWriteInputTokens: cacheWrite } : {}),
        },
        providerModel: response.model,
      };
    },
  };
}
