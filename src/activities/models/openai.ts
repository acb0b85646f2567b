/** OpenAI Chat Completions (and any OpenAI-compatible server) behind the provider-neutral format. */
import type OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { Message, ModelResponse, StopReason, ToolCall } from '../../contracts/messages';
import type { AdapterRequest, ModelAdapter } from './types';

function toOpenAIMessages(system: string, messages: Message[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [{ role: 'system', content: system }];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'tool') out.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
    else
      out.push({
        role: 'assistant',
        content: m.content || null,
        ...(m.toolCalls?.length
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
      });
  }
  return out;
}

const stopReasons: Record<string, StopReason> = { stop: 'end_turn', tool_calls: 'tool_calls', length: 'max_tokens' };

/** Puts a streamed completion back together: text, tool calls by index (arguments arrive in pieces), usage. */
class StreamedCompletion {
  private text = '';
  private readonly calls: ToolCall[] = [];
  private finishReason = '';
  private model = '';
  private usage: ChatCompletionChunk['usage'] = null;

  add(chunk: ChatCompletionChunk, onText?: (text: string) => void): void {
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return;
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    const { content, tool_calls: toolCalls } = choice.delta;
    if (content) {
      this.text += content;
      onText?.(content);
    }
    for (const part of toolCalls ?? []) {
      const call = (this.calls[part.index] ??= { id: '', name: '', arguments: '' });
      if (part.id) call.id = part.id;
      if (part.function?.name) call.name += part.function.name;
      if (part.function?.arguments) call.arguments += part.function.arguments;
    }
  }

  response(): ModelResponse {
    const toolCalls = this.calls.filter((c) => c.name);
    return {
      message: { role: 'assistant', content: this.text, ...(toolCalls.length ? { toolCalls } : {}) },
      stopReason: stopReasons[this.finishReason] ?? 'other',
      usage: {
        inputTokens: this.usage?.prompt_tokens ?? 0,
        outputTokens: this.usage?.completion_tokens ?? 0,
        cachedInputTokens: this.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      },
      providerModel: this.model,
    };
  }
}

export function createOpenAIAdapter(client: OpenAI, provider = 'openai'): ModelAdapter {
  return {
    provider,
    async complete(
      request: AdapterRequest,
      signal: AbortSignal,
      onHeaders?: (headers: Headers) => void,
      onText?: (text: string) => void,
    ): Promise<ModelResponse> {
      const tools: ChatCompletionTool[] = request.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
      const params: ChatCompletionCreateParamsStreaming = {
        model: request.model,
        messages: toOpenAIMessages(request.system, request.messages),
        stream: true,
        // Usage arrives only when asked for, in a last chunk with no choices.
        stream_options: { include_usage: true },
        ...(tools.length ? { tools } : {}),
        ...(request.maxOutputTokens ? { max_completion_tokens: request.maxOutputTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.outputSchema
          ? {
              response_format: {
                type: 'json_schema',
                json_schema: { name: 'output', schema: request.outputSchema, strict: false },
              },
            }
          : {}),
      };
      const { data: stream, response } = await client.chat.completions.create(params, { signal }).withResponse();
      onHeaders?.(response.headers);
      const reply = new StreamedCompletion();
      for await (const chunk of stream) reply.add(chunk, onText);
      return reply.response();
    },
  };
}
