/** OpenAI Chat Completions (and any OpenAI-compatible server) behind the provider-neutral format. */
import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
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

export function createOpenAIAdapter(client: OpenAI, provider = 'openai'): ModelAdapter {
  return {
    provider,
    async complete(
      request: AdapterRequest,
      signal: AbortSignal,
      onHeaders?: (headers: Headers) => void,
    ): Promise<ModelResponse> {
      const tools: ChatCompletionTool[] = request.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
      const params: ChatCompletionCreateParamsNonStreaming = {
        model: request.model,
        messages: toOpenAIMessages(request.system, request.messages),
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
      const { data: completion, response } = await client.chat.completions.create(params, { signal }).withResponse();
      onHeaders?.(response.headers);
      const choice = completion.choices[0];
      const toolCalls: ToolCall[] = (choice?.message.tool_calls ?? [])
        .filter((c) => c.type === 'function')
        .map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      const usage = completion.usage;
      return {
        message: {
          role: 'assistant',
          content: choice?.message.content ?? '',
          ...(toolCalls.length ? { toolCalls } : {}),
        },
        stopReason: stopReasons[choice?.finish_reason ?? ''] ?? 'other',
        usage: {
          inputTokens: usage?.prompt_tokens ?? 0,
          outputTokens: usage?.completion_tokens ?? 0,
          cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
        },
        providerModel: completion.model,
      };
    },
  };
}
