/**
 * Reads a recording out of an agent run's Temporal history: the input the run started with (and, for a run that
 * named its agent only, the spec the worker resolved), and one exchange per completed `callModel` activity, the
 * hash of the whole request it answered and its result. For a run that passed its conversation by reference each
 * `callModel` input holds only the messages new since a stored revision; the whole request is rebuilt from the
 * earlier inputs of the same history, exactly as the conversation store put it together when the run made the call.
 *
 * Shared by the worker's replay layer (history read through the Temporal API) and agentctl (a saved history
 * file). It decodes nothing itself: the caller passes a `decode` that runs its data converter (codecs included),
 * so this module stays free of SDK runtime imports.
 */
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import type { ConversationRef } from '../conversation';
import { messageSchema, type Message } from '../messages';
import { inputFromResolvedSpec, namesAgentOnly, type ResolvedAgentSpec } from '../agent-spec';
import {
  MAX_REPLAY_EXCHANGES,
  modelRequestHash,
  recordedResponseSchema,
  type HashedRequest,
  type RecordedExchange,
} from './replay';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;

/** Decodes the first of some payloads with the reader's data converter. */
export type DecodePayloads = (payloads: Payload[]) => Promise<unknown>;

const MODEL_ACTIVITY = 'callModel';
const SPEC_ACTIVITY = 'resolveAgentSpec';

/** A `callModel` input as history holds it; only the fields the hash covers (and the conversation reference). */
const recordedRequestSchema = z.object({
  model: z.string().min(1),
  system: z.string(),
  messages: z.array(messageSchema),
  tools: z.array(
    z.object({ name: z.string(), description: z.string(), parameters: z.record(z.string(), z.unknown()) }),
  ),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  maxOutputTokens: z.number().optional(),
  temperature: z.number().optional(),
  conversation: z
    .object({
      id: z.string(),
      base: z.string().optional(),
      attempted: z.array(z.string()).optional(),
      revision: z.string(),
      offset: z.number().int().nonnegative(),
    })
    .optional(),
});

/** What a recording holds. */
export interface RecordedRun {
  /** The workflow type of the first event (`agentWorkflow` for a run replay can read). */
  workflowType?: string;
  /** The input the run was started with, decoded. */
  input: unknown;
  /** For a run that named its agent only: the input it ran with (the resolved spec under the run's fields). */
  resolvedInput?: unknown;
  /** The first run of the chain this run belongs to (differs from this run's when it was continued as new). */
  firstExecutionRunId?: string;
  exchanges: RecordedExchange[];
  /** `callModel` activities the run scheduled. */
  modelCalls: number;
  /**
   * Model calls with no usable exchange: failed, never finished, built on a conversation from an earlier run of
   * the chain (not in this history), or holding something that is not a model request or response.
   */
  unusable: number;
  /** More exchanges than the limits allow: the later ones were left out (those calls go live). */
  truncated: boolean;
}

export interface RecordingLimits {
  maxExchanges?: number;
  /** Most bytes (JSON) of recorded responses kept. */
  maxBytes?: number;
}

const idOf = (id: unknown): string => String(id ?? '');

/**
 * Feeds history events in order (page by page) and gives the recording. Stop early once `full` is true: every
 * later exchange would be left out anyway.
 */
export class RecordingReader {
  private readonly run: RecordedRun = { input: undefined, exchanges: [], modelCalls: 0, unusable: 0, truncated: false };
  /** callModel schedule event id → the whole request, or undefined when it could not be rebuilt. */
  private readonly pending = new Map<string, HashedRequest | undefined>();
  private specEventId?: string;
  /** Each conversation revision's whole message list, as the store assembled it. */
  private readonly revisions = new Map<string, Message[]>();
  private bytes = 0;
  /** callModel activities completed so far, usable or not: numbers the exchanges as the run made the calls. */
  private completedCalls = 0;
  private readonly maxExchanges: number;
  private readonly maxBytes: number;

  constructor(
    private readonly decode: DecodePayloads,
    limits: RecordingLimits = {},
  ) {
    this.maxExchanges = limits.maxExchanges ?? MAX_REPLAY_EXCHANGES;
    this.maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /** True once no further exchange would be kept. */
  get full(): boolean {
    return this.run.truncated;
  }

  async add(events: Iterable<HistoryEvent>): Promise<void> {
    for (const event of events) {
      if (this.full) return;
      await this.addOne(event);
    }
  }

  result(): RecordedRun {
    // Calls scheduled but never completed (still running, failed, timed out) have no exchange.
    const unfinished = this.run.truncated ? 0 : this.pending.size;
    return { ...this.run, unusable: this.run.unusable + unfinished, exchanges: [...this.run.exchanges] };
  }

  private async addOne(event: HistoryEvent): Promise<void> {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      this.run.workflowType = started.workflowType?.name ?? undefined;
      if (started.firstExecutionRunId) this.run.firstExecutionRunId = started.firstExecutionRunId;
      const payloads = started.input?.payloads;
      this.run.input = payloads?.length ? await this.decode(payloads) : undefined;
      return;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name;
      if (type === SPEC_ACTIVITY) this.specEventId = idOf(event.eventId);
      if (type !== MODEL_ACTIVITY) return;
      this.run.modelCalls += 1;
      const payloads = scheduled.input?.payloads;
      this.pending.set(
        idOf(event.eventId),
        payloads?.length ? this.wholeRequest(await this.decode(payloads)) : undefined,
      );
      return;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) return;
    const scheduledId = idOf(completed.scheduledEventId);
    const payloads = completed.result?.payloads ?? [];
    if (scheduledId === this.specEventId) {
      this.specEventId = undefined;
      const resolved = payloads.length ? await this.decode(payloads) : undefined;
      if (resolved && namesAgentOnly(this.run.input)) {
        this.run.resolvedInput = inputFromResolvedSpec(resolved as ResolvedAgentSpec, this.run.input);
      }
      return;
    }
    if (!this.pending.has(scheduledId)) return;
    const request = this.pending.get(scheduledId);
    this.pending.delete(scheduledId);
    const call = ++this.completedCalls;
    const response = recordedResponseSchema.safeParse(payloads.length ? await this.decode(payloads) : undefined);
    if (!request || !response.success) {
      this.run.unusable += 1;
      return;
    }
    const size = JSON.stringify(response.data).length;
    if (this.run.exchanges.length >= this.maxExchanges || this.bytes + size > this.maxBytes) {
      this.run.truncated = true;
      return;
    }
    this.bytes += size;
    this.run.exchanges.push({
      call,
      hash: modelRequestHash(request),
      response: response.data,
    });
  }

  /** The request as the provider was sent it, or undefined when this history cannot tell. */
  private wholeRequest(raw: unknown): HashedRequest | undefined {
    const parsed = recordedRequestSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    const { conversation, ...request } = parsed.data;
    if (!conversation) return request;
    const messages = this.rebuild(conversation, request.messages);
    return messages ? { ...request, messages } : undefined;
  }

  /** The store's rule (activities/conversation/store.ts `nextConversation`), replayed over the recorded inputs. */
  private rebuild(ref: ConversationRef, added: Message[]): Message[] | undefined {
    let whole: Message[] | undefined;
    if (ref.offset === 0) whole = added;
    else {
      const base = [ref.base, ...(ref.attempted ?? [])]
        .map((r) => (r === undefined ? undefined : this.revisions.get(r)))
        .find((m) => m !== undefined && m.length >= ref.offset);
      // A base from an earlier run of the chain is only in the conversation store, not in this history.
      if (base) whole = [...base.slice(0, ref.offset), ...added];
    }
    if (whole) this.revisions.set(ref.revision, whole);
    return whole;
  }
}

/** Reads a whole history (a saved file's events) at once. */
export async function readRecording(
  events: Iterable<HistoryEvent>,
  decode: DecodePayloads,
  limits?: RecordingLimits,
): Promise<RecordedRun> {
  const reader = new RecordingReader(decode, limits);
  await reader.add(events);
  return reader.result();
}
