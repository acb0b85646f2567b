/**
 * Context window management: which messages an agent keeps when its conversation outgrows the model's
 * context. Pure functions over the provider-neutral messages, so the workflow can run them and replay them.
 *
 * Three strategies: `truncate` drops the oldest messages until the estimate fits `maxTokens`; `window` keeps the
 * last `keepLast` messages; `summarize` keeps the last `keepLast` and replaces the rest with a model-written
 * summary. In every case the system prompt (sent apart from the messages) and the opening user message (the
 * task) stay, and a tool call is never separated from its results: an assistant message with tool calls and
 * the results that answer it are kept or dropped as one unit, and a unit with an unanswered call is kept.
 */
import { z } from 'zod';
import type { ConversationRef } from './conversation';
import type { Message, ToolDefinition, Usage } from './messages';
import { modelIdSchema } from './model-id';

export const contextSettingsSchema = z
  .object({
    strategy: z.enum(['truncate', 'window', 'summarize']),
    /** Estimated tokens (system, tools and messages) above which the strategy runs before a model call. */
    maxTokens: z.number().int().min(100).optional(),
    /** Messages kept verbatim by `window` and `summarize` (rounded down to whole tool exchanges). */
    keepLast: z.number().int().min(1).max(1000).default(6),
    /** Model that writes summaries; the agent's own model when absent. */
    summaryModel: modelIdSchema.optional(),
  })
  .strict();
export type ContextSettings = z.output<typeof contextSettingsSchema>;
export type ContextSettingsInput = z.input<typeof contextSettingsSchema>;

/** Rough tokens of a text: four characters a token, the usual rule of thumb for English and JSON. */
export const estimateTextTokens = (text: string): number => Math.ceil(text.length / 4);

/** Per-message framing the providers add (role markers, separators). */
const MESSAGE_OVERHEAD_TOKENS = 4;

/** Estimated tokens of one message, tool calls and their arguments included. */
export function estimateMessageTokens(message: Message): number {
  let chars = message.content.length;
  if (message.role === 'assistant') {
    for (const c of message.toolCalls ?? []) chars += c.id.length + c.name.length + c.arguments.length;
  } else if (message.role === 'tool') {
    chars += message.toolCallId.length + message.toolName.length;
  }
  return Math.ceil(chars / 4) + MESSAGE_OVERHEAD_TOKENS;
}

/** Estimated tokens of a whole request: system prompt, tool definitions and messages. */
export function estimateRequestTokens(system: string, tools: ToolDefinition[], messages: Message[]): number {
  return (
    estimateTextTokens(system) +
    estimateTextTokens(tools.length ? JSON.stringify(tools) : '') +
    messages.reduce((sum, m) => sum + estimateMessageTokens(m), 0)
  );
}

/** Consecutive messages that must stay together: one message, or a tool call with the results answering it. */
export interface MessageUnit {
  messages: Message[];
  tokens: number;
  /** An assistant tool call some of whose results are not in the conversation yet. */
  unanswered: boolean;
}

/** Splits messages into units, so a tool call and its results are never separated. */
export function groupIntoUnits(messages: Message[]): MessageUnit[] {
  const units: MessageUnit[] = [];
  let open: { unit: MessageUnit; waiting: Set<string> } | undefined;
  for (const m of messages) {
    if (m.role === 'tool' && open && open.waiting.has(m.toolCallId)) {
      open.unit.messages.push(m);
      open.unit.tokens += estimateMessageTokens(m);
      open.waiting.delete(m.toolCallId);
      open.unit.unanswered = open.waiting.size > 0;
      continue;
    }
    const unit: MessageUnit = { messages: [m], tokens: estimateMessageTokens(m), unanswered: false };
    units.push(unit);
    open = undefined;
    if (m.role === 'assistant' && m.toolCalls?.length) {
      open = { unit, waiting: new Set(m.toolCalls.map((c) => c.id)) };
      unit.unanswered = true;
    }
  }
  return units;
}

export interface ContextRequest {
  system: string;
  tools: ToolDefinition[];
  messages: Message[];
}

/** What to do with a conversation that is too long: keep `head` and `tail`, and drop (or summarize) `dropped`. */
export interface CompactionPlan {
  head: Message[];
  dropped: Message[];
  tail: Message[];
  /** Index in the conversation of the first dropped message, and one past the last. */
  droppedFrom: number;
  droppedTo: number;
  estimateBefore: number;
}

/** Why the strategy runs: the estimate passed `maxTokens`, or the provider refused the request as too long. */
export type CompactionReason = 'estimate' | 'provider';

/** One shortening of the conversation, as the `state` query reports it. */
export interface ContextCompaction {
  step: number;
  strategy: ContextSettings['strategy'];
  reason: CompactionReason;
  /** Messages dropped or replaced by the summary. */
  removed: number;
  estimateBefore: number;
  estimateAfter: number;
}

/**
 * Decides whether and how to shorten the conversation. Returns undefined when nothing needs to (or can) go.
 * For a provider refusal the target is half of the current estimate (or `maxTokens` if smaller), and
 * `window`/`summarize` keep at most half of the messages they would otherwise keep, so each refusal shrinks
 * the request.
 */
export function planCompaction(
  settings: ContextSettings,
  request: ContextRequest,
  reason: CompactionReason,
): CompactionPlan | undefined {
  const estimate = estimateRequestTokens(request.system, request.tools, request.messages);
  if (reason === 'estimate' && (settings.maxTokens === undefined || estimate <= settings.maxTokens)) return undefined;

  // The opening user message is the task; losing it would leave the agent without a goal.
  const headLength = request.messages[0]?.role === 'user' ? 1 : 0;
  const head = request.messages.slice(0, headLength);
  const units = groupIntoUnits(request.messages.slice(headLength));
  if (units.length <= 1) return undefined;

  let keepFrom: number;
  if (settings.strategy === 'truncate') {
    const fixed = estimateRequestTokens(request.system, request.tools, head) + NOTICE_TOKENS;
    const target =
      reason === 'provider' ? Math.min(settings.maxTokens ?? Infinity, Math.floor(estimate / 2)) : settings.maxTokens!;
    keepFrom = units.length - 1;
    let total = fixed + units[keepFrom]!.tokens;
    while (keepFrom > 0 && total + units[keepFrom - 1]!.tokens <= target) {
      keepFrom -= 1;
      total += units[keepFrom]!.tokens;
    }
  } else {
    const bodyMessages = units.reduce((n, u) => n + u.messages.length, 0);
    const keep = reason === 'provider' ? Math.min(settings.keepLast, Math.floor(bodyMessages / 2)) : settings.keepLast;
    keepFrom = units.length - 1;
    let kept = units[keepFrom]!.messages.length;
    while (keepFrom > 0 && kept + units[keepFrom - 1]!.messages.length <= keep) {
      keepFrom -= 1;
      kept += units[keepFrom]!.messages.length;
    }
  }
  // A unit still waiting for tool results is never dropped; it can only be the newest, but be safe.
  while (keepFrom > 0 && units.slice(0, keepFrom).some((u) => u.unanswered)) keepFrom -= 1;
  if (keepFrom === 0) return undefined;

  const dropped = units.slice(0, keepFrom).flatMap((u) => u.messages);
  // Replacing only an earlier note or summary with a new one gains nothing (and would cost a summary call).
  if (dropped.every(isStandIn)) return undefined;
  const tail = units.slice(keepFrom).flatMap((u) => u.messages);
  return {
    head,
    dropped,
    tail,
    droppedFrom: headLength,
    droppedTo: headLength + dropped.length,
    estimateBefore: estimate,
  };
}

const NOTICE_TOKENS = 20;

const standInPattern = /^\[(\d+ earlier messages? (was|were) left out|Summary of \d+ earlier messages?)/;

/** Whether a message is a note or summary that stands in for messages left out earlier. */
export function isStandIn(message: Message): boolean {
  return message.role === 'user' && standInPattern.test(message.content);
}

/** The message that stands in for dropped messages, so the model knows some are missing. */
export function omissionNotice(count: number): Message {
  return {
    role: 'user',
    content: `[${count} earlier message${count === 1 ? ' was' : 's were'} left out to fit the context window.]`,
  };
}

/** The message that stands in for summarized messages. */
export function summaryMessage(count: number, summary: string): Message {
  return {
    role: 'user',
    content: `[Summary of ${count} earlier message${count === 1 ? '' : 's'}, written to fit the context window:]\n${summary}`,
  };
}

/** Applies a plan: head, then the notice or summary, then the kept tail. */
export function compactedConversation(plan: CompactionPlan, summary?: string): Message[] {
  const standIn =
    summary === undefined ? omissionNotice(plan.dropped.length) : summaryMessage(plan.dropped.length, summary);
  return [...plan.head, standIn, ...plan.tail];
}

/** Input of the `summarizeConversation` activity. */
export interface SummarizeInput {
  model: string;
  /** The conversation, or with `conversation` only the messages new since its stored revision. */
  messages: Message[];
  conversation?: ConversationRef;
  /** The messages to summarize: indexes `from` (inclusive) to `to` (exclusive) of the whole conversation. */
  from: number;
  to: number;
  maxOutputTokens?: number;
  /** A cost budget binds this call (see `ModelRequest.requirePrice`). */
  requirePrice?: boolean;
}

export interface SummarizeOutput {
  summary: string;
  usage: Usage;
  /** How many messages the summary replaces. */
  count: number;
}

/** The instructions of the summarizing model call. */
export const SUMMARIZER_INSTRUCTIONS =
  'You summarize conversations between a user, an AI agent and its tools. Write a concise summary of the ' +
  'transcript you are given: the facts learned, tool results that still matter, decisions taken and what ' +
  'remains open. Reply with the summary only.';

/** Renders messages as a plain transcript for the summarizing model. */
export function transcriptOf(messages: Message[]): string {
  return messages
    .map((m) => {
      if (m.role === 'user') return `user: ${m.content}`;
      if (m.role === 'tool') return `tool ${m.toolName} result${m.isError ? ' (error)' : ''}: ${m.content}`;
      const calls = (m.toolCalls ?? []).map((c) => `[called ${c.name} with ${c.arguments}]`).join(' ');
      return `assistant: ${[m.content, calls].filter(Boolean).join(' ')}`;
    })
    .join('\n');
}
