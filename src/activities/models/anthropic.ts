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

/** The block being streamed at one content index: text, or a tool call whose input arrives as JSON pieces. */
type StreamedBlock = { kind: 'text'; text: string } | { kind: 'tool'; id: string; name: string; json: string };

/**
 * Puts a streamed message back together from Anthropic's events. Tool input is kept as the JSON text the model
 * wrote: text that does not parse is passed on as it is, for the tool to reject (as a malformed call arrives).
 */
class StreamedMessage {
  private readonly blocks: StreamedBlock[] = [];
  private stopReason = '';
  private model = '';
  private usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

  add(event: Anthropic.RawMessageStreamEvent, onText?: (text: string) => void): void {
    switch (event.type) {
      case 'message_start': {
        const u = event.message.usage;
        this.model = event.message.model;
        this.usage = {
          input: u.input_tokens,
          output: u.output_tokens,
          cacheRead: u.cache_read_input_tokens ?? 0,
          cacheWrite: u.cache_creation_input_tokens ?? 0,
        };
        return;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') {
          this.blocks[event.index] = { kind: 'text', text: block.text };
          if (block.text) onText?.(block.text);
        } else if (block.type === 'tool_use') {
          this.blocks[event.index] = { kind: 'tool', id: block.id, name: block.name, json: '' };
        }
        return;
      }
      case 'content_block_delta': {
        const block = this.blocks[event.index];
        if (event.delta.type === 'text_delta' && block?.kind === 'text') {
          block.text += event.delta.text;
          onText?.(event.delta.text);
        } else if (event.delta.type === 'input_json_delta' && block?.kind === 'tool') {
          block.json += event.delta.partial_json;
        }
        return;
      }
      case 'message_delta':
        if (event.delta.stop_reason) this.stopReason = event.delta.stop_reason;
        // The final count replaces message_start's placeholder.
        this.usage.output = event.usage.output_tokens;
        return;
      default:
        return;
    }
  }

  response(): ModelResponse {
    const text = this.blocks.flatMap((b) => (b?.kind === 'text' ? [b.text] : [])).join('');
    const toolCalls: ToolCall[] = this.blocks.flatMap((b) =>
      b?.kind === 'tool' ? [{ id: b.id, name: b.name, arguments: canonicalArguments(b.json) }] : [],
    );
    const { input, output, cacheRead, cacheWrite } = this.usage;
    return {
      message: { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) },
      stopReason: stopReasons[this.stopReason] ?? 'other',
      usage: {
        // Anthropic counts cache reads and writes apart from input_tokens; ours are part of inputTokens.
        inputTokens: input + cacheRead + cacheWrite,
        outputTokens: output,
        cachedInputTokens: cacheRead,
        ...(cacheWrite ? { cacheWriteInputTokens: cacheWrite } : {}),
      },
      providerModel: this.model,
    };
  }
}

/** Streamed JSON as the non-streamed API would have given it (`{}` for no input); unparseable text as it is. */
function canonicalArguments(json: string): string {
  if (!json.trim()) return '{}';
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  } catch {
    return json;
  }
}

export function createAnthropicAdapter(client: Anthropic, provider = 'anthropic'): ModelAdapter {
  return {
    provider,
    async complete(
      request: AdapterRequest,
      signal: AbortSignal,
      onHeaders?: (headers: Headers) => void,
      onText?: (text: string) => void,
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
      const { data: stream, response: http } = await client.messages
        .create(
          {
            model: request.model,
            ...(system ? { system: [{ type: 'text', text: system, cache_control: ephemeral }] } : {}),
            messages: toAnthropicMessages(request.messages),
            max_tokens: request.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
            stream: true,
            ...(tools.length ? { tools } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          },
          { signal },
        )
        .withResponse();
      onHeaders?.(http.headers);
      const reply = new StreamedMessage();
      for await (const event of stream) reply.add(event, onText);
      return reply.response();
    },
  };
}
