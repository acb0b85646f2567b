/**
 * Replay of recorded runs: what a replay run names (the recorded run, by id, or the recorded exchanges a saved
 * history gave), how a model request is hashed to match it against a recording, and what a replay run reports
 * (calls replayed and live, money saved). Shared by workflow, worker and client; pure (the hash is plain
 * TypeScript SHA-256, so workflow code could compute it too).
 */
import { z } from 'zod';
import { toolCallSchema, type Message, type ModelReplayRef, type ModelResponse, type Usage } from '../messages';
import { costOf } from '../pricing';
import { sha256Hex } from '../sha256';

/** Most recorded exchanges one recording holds; later model calls of a longer run go live. */
export const MAX_REPLAY_EXCHANGES = 500;
/**
 * Most bytes (JSON) of recorded exchanges carried in a run input (the saved-history source): well under Temporal's
 * 2 MB payload limit, so the input's other fields and the exchanges fit together.
 */
export const MAX_INPUT_EXCHANGE_BYTES = 1_000_000;

/**
 * A Temporal workflow id as a replay names it. It is only ever looked up through the Temporal API of the
 * worker's own namespace, never opened as a file or fetched as a URL; one that looks like either is refused, so
 * a mistaken `replay: { recordedWorkflowId: './run.json' }` says what is wrong instead of "not found".
 */
const workflowIdSchema = z
  .string()
  .min(1)
  .max(1000)
  .refine(
    (id) => ![...id].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f'),
    'a workflow id has no control characters',
  )
  .refine((id) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(id), 'a workflow id, not a URL')
  .refine((id) => !/\.json$/i.test(id) && !/^(\.{1,2}\/|\/)/.test(id), 'a workflow id, not a file path');

/** A Temporal run id (a UUID). */
const runIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a run id (UUID)');

const usageSchema = z
  .object({
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cachedInputTokens: z.number().int().nonnegative(),
    cacheWriteInputTokens: z.number().int().nonnegative().optional(),
  })
  .strip();

const priceSchema = z
  .object({
    input: z.number().nonnegative(),
    cachedInput: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cacheWrite: z.number().nonnegative().optional(),
  })
  .strip();

/** A `callModel` result as a recording holds it (validated again wherever it comes from a file or an input). */
export const recordedResponseSchema = z
  .object({
    message: z
      .object({
        role: z.literal('assistant'),
        content: z.string().max(200_000),
        toolCalls: z.array(toolCallSchema).max(100).optional(),
      })
      .strip(),
    stopReason: z.enum(['end_turn', 'tool_calls', 'max_tokens', 'other']),
    usage: usageSchema,
    providerModel: z.string().max(200),
    price: priceSchema.optional(),
  })
  .strip();

/** One model call of a recorded run: the hash of the request it answered, and the answer. */
export const recordedExchangeSchema = z
  .object({
    /** 1-based position among the recorded run's completed model calls (for reports). */
    call: z.number().int().min(1),
    hash: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256'),
    response: recordedResponseSchema,
  })
  .strict();
export type RecordedExchange = z.infer<typeof recordedExchangeSchema>;

/**
 * The `replay` field of an agent input: the recorded run, by ids (the worker reads its history), or the recorded
 * exchanges themselves (agentctl read them from a saved history file). Ids only: never a path or a URL.
 */
export const replaySourceSchema = z.union([
  z
    .object({
      recordedWorkflowId: workflowIdSchema,
      /** The run of that workflow id (default: its latest). */
      recordedRunId: runIdSchema.optional(),
    })
    .strict(),
  z
    .object({
      /** Where the exchanges came from (a file name), shown in reports only. */
      label: z.string().min(1).max(200).optional(),
      exchanges: z.array(recordedExchangeSchema).max(MAX_REPLAY_EXCHANGES),
    })
    .strict(),
]);
export type ReplaySource = z.infer<typeof replaySourceSchema>;

/**
 * The reference the workflow puts on each model request of a replay run: the recorded run's ids, or
 * `fromRunInput` (the exchanges are in this run's own input, which the activity reads from this run's history).
 * Never the exchanges themselves: each model call's input stays small.
 */
export function replayRefFor(source: ReplaySource): ModelReplayRef {
  if ('exchanges' in source) return { fromRunInput: true };
  return {
    recordedWorkflowId: source.recordedWorkflowId,
    ...(source.recordedRunId ? { recordedRunId: source.recordedRunId } : {}),
  };
}

/** What a provider would be sent, the fields a request hash covers. */
export interface HashedRequest {
  /** `provider:model`. */
  model: string;
  system: string;
  /** The whole conversation (for a by-reference call: as the conversation store gives it back). */
  messages: Message[];
  tools: { name: string; description: string; parameters: Record<string, unknown> }[];
  outputSchema?: Record<string, unknown>;
  maxOutputTokens?: number;
  temperature?: number;
}

/**
 * Messages reduced to what a provider reads, so two encodings of one conversation (an empty tool-call list or
 * none, `isError: false` or none) hash alike.
 */
function normalizedMessages(messages: Message[]): unknown[] {
  return messages.map((m) => {
    if (m.role === 'user') return { role: 'user', content: m.content };
    if (m.role === 'assistant') {
      const calls = (m.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
      return { role: 'assistant', content: m.content, ...(calls.length ? { toolCalls: calls } : {}) };
    }
    return {
      role: 'tool',
      toolCallId: m.toolCallId,
      toolName: m.toolName,
      content: m.content,
      ...(m.isError ? { isError: true } : {}),
    };
  });
}

/** JSON with every object's keys sorted and undefined values left out: one text per value, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The hash a recording is matched by: SHA-256 of the canonical JSON of everything the provider is sent that can
 * change its answer (model, system prompt, the whole conversation, tools, output schema, output limit,
 * temperature). Ids of the conversation store, budgets and the like are not part of it.
 */
export function modelRequestHash(request: HashedRequest): string {
  return sha256Hex(
    canonicalJson({
      v: 1,
      model: request.model,
      system: request.system,
      messages: normalizedMessages(request.messages),
      tools: request.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
      outputSchema: request.outputSchema,
      maxOutputTokens: request.maxOutputTokens,
      temperature: request.temperature,
    }),
  );
}

/** What a replay run did with its model calls: in its result and `state` query. */
export interface ReplayTotals {
  /** Model calls answered from the recording (no provider request). */
  replayed: number;
  /** Model calls that went to the provider because the request differed (or the recording lacked it). */
  live: number;
  /** What the replayed calls cost when they were recorded (USD), which this run did not pay. */
  savedUsd: number;
  /** Tokens of the replayed calls. */
  savedTokens: number;
}

export const emptyReplayTotals = (): ReplayTotals => ({ replayed: 0, live: 0, savedUsd: 0, savedTokens: 0 });

/** What a replayed answer would have cost: its usage at the price recorded with it (0 when it had none). */
export function replayedCostUsd(response: Pick<ModelResponse, 'usage' | 'price'>): number {
  return response.price ? costOf(response.usage, response.price) : 0;
}

/** Totals with one more call added. */
export function addReplayedCall(totals: ReplayTotals, usage: Usage, savedUsd: number): ReplayTotals {
  return {
    ...totals,
    replayed: totals.replayed + 1,
    savedUsd: totals.savedUsd + savedUsd,
    savedTokens: totals.savedTokens + usage.inputTokens + usage.outputTokens,
  };
}
