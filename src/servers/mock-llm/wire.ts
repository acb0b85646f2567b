/**
 * The two wire formats the mock server speaks: OpenAI Chat Completions and Anthropic Messages. Only what a
 * scripted turn needs is produced, in the shapes the real SDKs parse.
 */
import type { Fault, Turn } from './scenario';

export type Wire = 'openai' | 'anthropic';

interface WireMessage {
  role: string;
  content?: unknown;
}

/** The number of assistant messages so far picks the turn to play. */
export function assistantTurns(messages: WireMessage[]): number {
  return messages.filter((m) => m.role === 'assistant').length;
}

/** Text of the last user or tool message, for the request log. */
export function lastUserOrToolContent(wire: Wire, messages: WireMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user' || m.role === 'tool');
  if (!last) return '';
  const content = last.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block: { type?: string; text?: string; content?: unknown }) => {
        if (block.type === 'text') return block.text ?? '';
        if (block.type === 'tool_result') {
          return typeof block.content === 'string'
            ? block.content
            : Array.isArray(block.content)
              ? block.content.map((b: { text?: string }) => b.text ?? '').join('')
              : '';
        }
        return '';
      })
      .join('\n');
  }
  return wire === 'openai' ? JSON.stringify(content ?? '') : '';
}

export interface UsageFigures {
  /** All input tokens, cache reads and writes included. */
  input: number;
  output: number;
  cached: number;
  /** Tokens written to the prompt cache (Anthropic). */
  cacheWrite?: number;
}

export function toolCallId(wire: Wire, turn: number, index: number, given?: string): string {
  if (given) return given;
  return wire === 'openai' ? `call_t${turn}_${index}` : `toolu_t${turn}_${index}`;
}

export function openaiCompletion(turn: Turn, turnIndex: number, model: string, usage: UsageFigures): unknown {
  const toolCalls = (turn.toolCalls ?? []).map((c, i) => ({
    id: toolCallId('openai', turnIndex, i, c.id),
    type: 'function',
    function: { name: c.name, arguments: c.rawArguments ?? JSON.stringify(c.arguments ?? {}) },
  }));
  return {
    id: `chatcmpl-mock-${turnIndex}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: turn.text ?? null,
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      prompt_tokens_details: { cached_tokens: usage.cached },
    },
  };
}

export function anthropicMessage(turn: Turn, turnIndex: number, model: string, usage: UsageFigures): unknown {
  const content: unknown[] = [];
  if (turn.text) content.push({ type: 'text', text: turn.text });
  (turn.toolCalls ?? []).forEach((c, i) => {
    // Anthropic always sends an object; a malformed-arguments fault is played as the raw string instead,
    // which the adapter reports as unparseable arguments.
    content.push({
      type: 'tool_use',
      id: toolCallId('anthropic', turnIndex, i, c.id),
      name: c.name,
      input: c.rawArguments ?? c.arguments ?? {},
    });
  });
  return {
    id: `msg_mock_${turnIndex}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: turn.toolCalls?.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      // Anthropic counts cache reads and writes apart from input_tokens.
      input_tokens: usage.input - usage.cached - (usage.cacheWrite ?? 0),
      output_tokens: usage.output,
      cache_read_input_tokens: usage.cached,
      cache_creation_input_tokens: usage.cacheWrite ?? 0,
    },
  };
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const openaiErrorType: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_exceeded',
  500: 'server_error',
  503: 'server_error',
  529: 'server_error',
};
const anthropicErrorType: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'api_error',
  529: 'overloaded_error',
};

export function errorReply(wire: Wire, fault: Extract<Fault, { status: number }>): ErrorReply {
  const message = fault.message ?? `mock fault ${fault.status}`;
  const headers: Record<string, string> = {};
  if (fault.status === 429) {
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  }
  const code = 'code' in fault ? fault.code : undefined;
  if (wire === 'openai') {
    return {
      status: fault.status,
      headers,
      body: { error: { message, type: openaiErrorType[fault.status] ?? 'api_error', param: null, code: code ?? null } },
    };
  }
  return {
    status: fault.status,
    headers,
    body: { type: 'error', error: { type: code ?? anthropicErrorType[fault.status] ?? 'api_error', message } },
  };
}

export function invalidRequest(wire: Wire, message: string): ErrorReply {
  return errorReply(wire, { status: 400, message });
}
