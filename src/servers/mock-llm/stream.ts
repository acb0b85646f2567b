/**
 * The streaming halves of the two wire formats (`stream: true`): OpenAI's `chat.completion.chunk` objects and
 * Anthropic's message events, both as Server-Sent Events, in the shapes the real SDKs parse. Text and tool-call
 * arguments arrive in pieces; usage comes last (OpenAI: a final chunk with empty choices when the request asks
 * `stream_options.include_usage`; Anthropic: `message_start` and `message_delta`).
 */
import type http from 'node:http';
import type { Turn } from './scenario';
import { toolCallId, type UsageFigures, type Wire } from './wire';

/** One SSE frame to write: Anthropic names its events, OpenAI sends bare `data:` lines. */
interface Frame {
  event?: string;
  data: unknown;
}

/** Splits text into word-sized pieces (each keeps its trailing space), as providers send tokens. */
export function pieces(text: string, size = 12): string[] {
  const out: string[] = [];
  for (const word of text.match(/\S+\s*|\s+/g) ?? []) {
    for (let i = 0; i < word.length; i += size) out.push(word.slice(i, i + size));
  }
  return out;
}

function argumentsOf(call: NonNullable<Turn['toolCalls']>[number]): string {
  return call.rawArguments ?? JSON.stringify(call.arguments ?? {});
}

function openaiFrames(turn: Turn, turnIndex: number, model: string, usage: UsageFigures, withUsage: boolean): Frame[] {
  const base = { id: `chatcmpl-mock-${turnIndex}`, object: 'chat.completion.chunk', created: 0, model };
  const chunk = (delta: unknown, finish: string | null = null): Frame => ({
    data: { ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] },
  });
  const frames: Frame[] = [chunk({ role: 'assistant', content: '' })];
  for (const piece of pieces(turn.text ?? '')) frames.push(chunk({ content: piece }));
  (turn.toolCalls ?? []).forEach((call, index) => {
    frames.push(
      chunk({
        tool_calls: [
          {
            index,
            id: toolCallId('openai', turnIndex, index, call.id),
            type: 'function',
            function: { name: call.name, arguments: '' },
          },
        ],
      }),
    );
    for (const piece of pieces(argumentsOf(call), 8))
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  frames.push(chunk({}, turn.toolCalls?.length ? 'tool_calls' : 'stop'));
  if (withUsage) {
    frames.push({
      data: {
        ...base,
        choices: [],
        usage: {
          prompt_tokens: usage.input,
          completion_tokens: usage.output,
          total_tokens: usage.input + usage.output,
          prompt_tokens_details: { cached_tokens: usage.cached },
        },
      },
    });
  }
  return frames;
}

function anthropicFrames(turn: Turn, turnIndex: number, model: string, usage: UsageFigures): Frame[] {
  const frame = (event: string, data: Record<string, unknown>): Frame => ({ event, data: { type: event, ...data } });
  const frames: Frame[] = [
    frame('message_start', {
      message: {
        id: `msg_mock_${turnIndex}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input - usage.cached - (usage.cacheWrite ?? 0),
          output_tokens: 1,
          cache_read_input_tokens: usage.cached,
          cache_creation_input_tokens: usage.cacheWrite ?? 0,
        },
      },
    }),
  ];
  let index = 0;
  if (turn.text) {
    frames.push(frame('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const piece of pieces(turn.text))
      frames.push(frame('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    frames.push(frame('content_block_stop', { index }));
    index++;
  }
  (turn.toolCalls ?? []).forEach((call, i) => {
    frames.push(
      frame('content_block_start', {
        index,
        content_block: {
          type: 'tool_use',
          id: toolCallId('anthropic', turnIndex, i, call.id),
          name: call.name,
          input: {},
        },
      }),
    );
    for (const piece of pieces(argumentsOf(call), 8)) {
      frames.push(frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
    }
    frames.push(frame('content_block_stop', { index }));
    index++;
  });
  frames.push(
    frame('message_delta', {
      delta: { stop_reason: turn.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.output },
    }),
  );
  frames.push(frame('message_stop', {}));
  return frames;
}

export interface StreamReplyOptions {
  wire: Wire;
  turn: Turn;
  turnIndex: number;
  model: string;
  usage: UsageFigures;
  /** OpenAI sends usage only when asked (`stream_options.include_usage`). */
  includeUsage: boolean;
  headers: Record<string, string>;
  /** Drop the connection once this many characters of text have been sent. */
  breakAfterChars?: number;
  /** Called right after each piece of text is written: its character offset in the answer and its length. */
  onTextSent?: (offset: number, length: number) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function textOfFrame(frame: Frame): string {
  const data = frame.data as {
    choices?: { delta?: { content?: string } }[];
    delta?: { type?: string; text?: string };
  };
  return data.choices?.[0]?.delta?.content ?? (data.delta?.type === 'text_delta' ? (data.delta.text ?? '') : '');
}

/** Writes a turn as an event stream; resolves `broken` when a `breakAfterChars` fault cut it short. */
export async function writeStreamReply(
  res: http.ServerResponse,
  options: StreamReplyOptions,
): Promise<'ok' | 'broken' | 'aborted'> {
  const { wire, turn } = options;
  const frames =
    wire === 'openai'
      ? openaiFrames(turn, options.turnIndex, options.model, options.usage, options.includeUsage)
      : anthropicFrames(turn, options.turnIndex, options.model, options.usage);
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...options.headers,
  });
  let sent = 0;
  for (const frame of frames) {
    if (res.destroyed) return 'aborted';
    const text = textOfFrame(frame);
    if (options.breakAfterChars !== undefined && sent + text.length > options.breakAfterChars) {
      // A provider failing mid-answer: whatever was sent stays sent, then the connection drops.
      res.destroy();
      return 'broken';
    }
    res.write(`${frame.event ? `event: ${frame.event}\n` : ''}data: ${JSON.stringify(frame.data)}\n\n`);
    if (text) options.onTextSent?.(sent, text.length);
    sent += text.length;
    if (turn.chunkDelayMs && text) await sleep(turn.chunkDelayMs);
  }
  if (wire === 'openai') res.write('data: [DONE]\n\n');
  res.end();
  return 'ok';
}
