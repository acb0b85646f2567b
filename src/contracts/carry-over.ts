/**
 * What one run of `agentWorkflow` hands to the next when it continues as new: the totals (steps, usage, cost
 * ledger), a trimmed step log and the conversation, by reference when it lives in the conversation store. The
 * next run's input carries it as `carryOver`, validated like every other input field. Shared by workflow and
 * client; pure.
 */
import { z } from 'zod';
import { messageSchema } from './messages';
import type { StepRecord } from './agent-contract';

/** How many step records travel to the next run; older ones are counted, not kept. */
export const CARRIED_STEP_RECORDS = 50;

const count = z.number().int().nonnegative();

const usageSchema = z
  .object({
    inputTokens: count,
    outputTokens: count,
    cachedInputTokens: count,
    cacheWriteInputTokens: count.optional(),
  })
  .strict();

const ledgerLineSchema = z
  .object({ inputTokens: count, cachedInputTokens: count, outputTokens: count, usd: z.number(), calls: count })
  .strict();

const ledgerSchema = z
  .object({
    totalUsd: z.number().nonnegative(),
    totalTokens: count,
    byModel: z.record(z.string(), ledgerLineSchema),
    byAgent: z.record(z.string(), ledgerLineSchema),
    unpricedModels: z.array(z.string()),
  })
  .strict();

const stepRecordSchema = z
  .object({
    step: z.number().int().min(1),
    kind: z.enum(['model', 'tool']),
    name: z.string(),
    status: z.enum(['running', 'ok', 'error', 'awaiting_approval', 'rejected']),
    summary: z.string(),
    usage: usageSchema.optional(),
    toolCallId: z.string().optional(),
    arguments: z.string().optional(),
    payloadBytes: z.object({ input: count, output: count }).strict().optional(),
    replayed: z.boolean().optional(),
    costUsd: z.number().nonnegative().optional(),
    savedUsd: z.number().nonnegative().optional(),
  })
  .strict();

/**
 * Every field of StepRecord must be known to the strict schema above, or a run whose steps carry it could not
 * continue as new (its next input would be refused). The compiler names a field missing here.
 */
type StepFieldsUnknownToCarryOver = Exclude<keyof StepRecord, keyof z.infer<typeof stepRecordSchema>>;
const stepFieldsAllKnown: [StepFieldsUnknownToCarryOver] extends [never] ? true : StepFieldsUnknownToCarryOver = true;
void stepFieldsAllKnown;

const routingStateSchema = z
  .object({
    chain: z.array(z.string().min(1)).min(1),
    current: z.string().min(1),
    circuits: z.record(
      z.string(),
      z
        .object({
          provider: z.string(),
          consecutiveFailures: count,
          open: z.boolean(),
          openedAt: z.string().optional(),
        })
        .strict(),
    ),
    decisions: z.array(
      z.object({ step: count, from: z.string(), to: z.string(), reason: z.string(), at: z.string() }).strict(),
    ),
  })
  .strict();

/**
 * The conversation as the next run gets it. `reference`: the conversation store holds the first `length`
 * messages under `revision`, and `pending` are the messages added since (tool results not yet sent), so the
 * input stays small however long the conversation. `messages`: the whole (compacted) conversation, used when
 * the conversation is not passed by reference or a context strategy keeps it within the model's window.
 */
export const carriedConversationSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('reference'),
      id: z.string().min(1),
      revision: z.string().min(1),
      length: z.number().int().min(1),
      pending: z.array(messageSchema),
      /** The last few messages before the boundary, trimmed, for the `state` query. */
      recent: z.array(messageSchema).max(10).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('messages'), messages: z.array(messageSchema).min(1) }).strict(),
]);
export type CarriedConversation = z.infer<typeof carriedConversationSchema>;

export const carryOverSchema = z
  .object({
    /** Runs of this workflow id before the one that receives it. */
    runs: z.number().int().min(1),
    /** Steps taken so far; `maxSteps` counts steps across every run. */
    step: count,
    modelCalls: count,
    toolCalls: count,
    usage: usageSchema,
    cost: ledgerSchema,
    /** The last step records; `stepsDropped` older ones were left behind. */
    steps: z.array(stepRecordSchema).max(CARRIED_STEP_RECORDS),
    stepsDropped: count,
    conversation: carriedConversationSchema,
    /** Workflow time (ms since the epoch) the budget's wall clock counts from: the first run's start. */
    wallClockStartedAt: z.number().nonnegative().optional(),
    /** The fallback chain, provider circuits and model switches, when the agent has fallback models. */
    routing: routingStateSchema.optional(),
    /** Replay runs: calls replayed and live so far, and the money saved. */
    replay: z
      .object({ replayed: count, live: count, savedUsd: z.number().nonnegative(), savedTokens: count })
      .strict()
      .optional(),
  })
  .strict();
export type CarryOver = z.infer<typeof carryOverSchema>;
