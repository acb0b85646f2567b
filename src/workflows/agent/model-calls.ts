/**
 * How agentWorkflow sends its conversation to the model. Two concerns live here, both invisible to the run
 * loop: the conversation travels by reference (an id plus only the new messages, so each model activity's
 * recorded input stays the same size however long the run), and context window management shortens the
 * conversation before a call that would not fit, or after the provider refuses one as too long.
 */
import { log, patched, workflowInfo } from '@temporalio/workflow';
import type { ValidAgentInput } from '../../contracts/agent-contract';
import {
  compactedConversation,
  estimateRequestTokens,
  planCompaction,
  type CompactionReason,
} from '../../contracts/context-window';
import { jsonPayloadBytes, type ConversationRef } from '../../contracts/conversation';
import { CONVERSATION_BY_REFERENCE_PATCH } from '../kernel/patches';
import { ErrorType } from '../../contracts/errors';
import type { Message, ModelRequest, ModelResponse, ToolDefinition } from '../../contracts/messages';
import { summarizeConversationActivity } from '../kernel/activities';
import { ModelRouter } from './model-router';
import type { ProviderQueues } from '../../contracts/model-queues';
import type { RunState } from './run-state';
import { failureTypeOf } from '../kernel/failures';
import { replayRefFor } from '../../contracts/evals/replay';

/** How often one turn may shrink its conversation after a provider refusal before the run fails. */
const MAX_SHRINKS_PER_TURN = 3;

/**
 * What the conversation store holds of this run's conversation, so each call sends only what is new. The
 * revision names each write (run id and a counter), so a store holding anything else (another run's write,
 * a machine that never saw this run) is noticed and the conversation is sent whole.
 */
export class ConversationChannel {
  private stored = 0;
  private revision?: string;
  /** Revisions sent since the last successful call; the store may hold any of them. */
  private attempted: string[] = [];
  private writes = 0;
  /** Messages the store held before this run's conversation begins (carried over from the previous run). */
  private prefix = 0;

  constructor(private id: string | undefined) {}

  /** Continues the stored conversation of the previous run: its first `length` messages are `revision` of `id`. */
  resume(carried: { id: string; revision: string; length: number }): void {
    if (this.id === undefined) return;
    this.id = carried.id;
    this.prefix = carried.length;
    this.revision = carried.revision;
  }

  /** What the store holds of this run's conversation: revision and total length, and how many local messages. */
  checkpoint(): { id: string; revision: string; length: number; local: number } | undefined {
    if (this.id === undefined || this.revision === undefined) return undefined;
    return { id: this.id, revision: this.revision, length: this.prefix + this.stored, local: this.stored };
  }

  /** Whether the whole conversation is in this run, so it can be sent whole when the store lacks it. */
  get holdsWhole(): boolean {
    return this.prefix === 0;
  }

  /**
   * Passes by reference in new runs; runs recorded before the patch, and inputs that opt out, send it whole.
   * `newer`: the run took a later patch (LEAN_STEPS_PATCH), which implies this one, so it is not asked (each
   * marker costs two history events).
   */
  static open(input: ValidAgentInput, newer = false): ConversationChannel {
    if (!input.conversationByReference || !(newer || patched(CONVERSATION_BY_REFERENCE_PATCH)))
      return new ConversationChannel(undefined);
    const info = workflowInfo();
    return new ConversationChannel(`${info.namespace}/${info.workflowId}`);
  }

  /** The messages and the reference for the next call; `commit` once the call succeeded. */
  next(conversation: Message[]): { messages: Message[]; conversation?: ConversationRef; commit(): void } {
    if (this.id === undefined) return { messages: conversation, commit: () => undefined };
    const local = this.revision !== undefined && this.stored <= conversation.length ? this.stored : 0;
    const offset = this.revision !== undefined ? this.prefix + local : 0;
    const revision = `${workflowInfo().runId}/${++this.writes}`;
    const length = conversation.length;
    const ref: ConversationRef = {
      id: this.id,
      ...(offset ? { base: this.revision } : {}),
      ...(offset && this.attempted.length ? { attempted: [...this.attempted] } : {}),
      revision,
      offset,
    };
    this.attempted = [...this.attempted.slice(-4), revision];
    return {
      messages: conversation.slice(offset ? local : 0),
      conversation: ref,
      commit: () => {
        this.stored = length;
        this.revision = revision;
        this.attempted = [];
      },
    };
  }

  /** Forgets what the store holds; the next call sends the conversation whole. */
  reset(): void {
    this.stored = 0;
    this.revision = undefined;
    this.attempted = [];
  }
}

export class ModelCalls {
  private readonly channel: ConversationChannel;
  /** Sends each call down the agent's fallback chain (a plain call when it has no fallback models). */
  private readonly router: ModelRouter;

  constructor(
    private readonly input: ValidAgentInput,
    private readonly state: RunState,
    private readonly conversation: Message[],
    private readonly tools: ToolDefinition[],
    providerQueues?: ProviderQueues,
  ) {
    this.channel = ConversationChannel.open(input, state.leanSteps);
    this.router = new ModelRouter(input, providerQueues);
    if (this.router.state) state.routing = this.router.state;
    const carried = input.carryOver?.conversation;
    if (carried?.kind === 'reference') this.channel.resume(carried);
  }

  /** Where the conversation stands in the store, for a run that continues as new. */
  checkpoint(): ReturnType<ConversationChannel['checkpoint']> {
    return this.channel.checkpoint();
  }

  /** One model turn: fits the conversation, calls the model, and records the payload sizes on the step. */
  async call(
    summary: (model: string) => string,
  ): Promise<{ response: ModelResponse; model: string; payloadBytes: { input: number; output: number } }> {
    let shrinks = 0;
    await this.fit('estimate');
    for (;;) {
      try {
        return await this.withConversation(async (sync) => {
          const base: Omit<ModelRequest, 'model'> = {
            system: this.input.instructions,
            messages: sync.messages,
            tools: this.tools,
            ...(sync.conversation ? { conversation: sync.conversation } : {}),
            ...(this.input.outputSchema ? { outputSchema: this.input.outputSchema } : {}),
            ...(this.input.maxOutputTokens ? { maxOutputTokens: this.input.maxOutputTokens } : {}),
            ...(this.input.temperature !== undefined ? { temperature: this.input.temperature } : {}),
            // Replay runs name their recording (ids only); the model activity answers from it what it holds.
            ...(this.input.replay ? { replay: replayRefFor(this.input.replay) } : {}),
          };
          const { response, model } = await this.router.call(base, this.state.step, summary);
          const request: ModelRequest = { ...base, model };
          return {
            response,
            model,
            payloadBytes: { input: jsonPayloadBytes(request), output: jsonPayloadBytes(response) },
          };
        });
      } catch (err) {
        // A provider refusal as too long runs the strategy and tries again with the shorter conversation.
        if (
          failureTypeOf(err) === ErrorType.ContextLengthExceeded &&
          this.input.context &&
          shrinks < MAX_SHRINKS_PER_TURN &&
          (await this.fit('provider'))
        ) {
          shrinks += 1;
          continue;
        }
        throw err;
      }
    }
  }

  /** Runs the agent's context strategy when it applies; returns whether the conversation changed. */
  private async fit(reason: CompactionReason): Promise<boolean> {
    const settings = this.input.context;
    if (!settings) return false;
    const plan = planCompaction(
      settings,
      { system: this.input.instructions, tools: this.tools, messages: this.conversation },
      reason,
    );
    if (!plan) return false;
    let summary: string | undefined;
    if (settings.strategy === 'summarize') summary = await this.summarize(plan.droppedFrom, plan.droppedTo);
    const next = compactedConversation(plan, summary);
    this.conversation.splice(0, this.conversation.length, ...next);
    // The stored conversation no longer matches; the next call sends the shortened one whole.
    this.channel.reset();
    const estimateAfter = estimateRequestTokens(this.input.instructions, this.tools, this.conversation);
    this.state.recordCompaction({
      step: this.state.step,
      strategy: settings.strategy,
      reason,
      removed: plan.dropped.length,
      estimateBefore: plan.estimateBefore,
      estimateAfter,
    });
    log.info('conversation shortened to fit the context window', {
      strategy: settings.strategy,
      reason,
      removed: plan.dropped.length,
      estimateBefore: plan.estimateBefore,
      estimateAfter,
    });
    return true;
  }

  /** Runs a by-reference call, sending the conversation whole once if the store lacks what it builds on. */
  private async withConversation<T>(call: (sync: ReturnType<ConversationChannel['next']>) => Promise<T>): Promise<T> {
    for (let whole = false; ; whole = true) {
      const sync = this.channel.next(this.conversation);
      try {
        const out = await call(sync);
        sync.commit();
        return out;
      } catch (err) {
        // A conversation carried over from an earlier run is only in the store; that failure cannot be mended here.
        if (
          !whole &&
          this.channel.holdsWhole &&
          failureTypeOf(err) === ErrorType.ConversationMissing &&
          (sync.conversation?.offset ?? 0) > 0
        ) {
          log.warn('conversation store lacks this run’s conversation; sending it whole', {
            conversation: sync.conversation?.id,
          });
          this.channel.reset();
          continue;
        }
        throw err;
      }
    }
  }

  /** The summary of messages `from`..`to`, written by the summary model and counted in the ledger. */
  private async summarize(from: number, to: number): Promise<string> {
    const model = this.input.context?.summaryModel ?? this.input.model;
    const record = this.state.addStep({
      step: this.state.step,
      kind: 'model',
      name: model,
      status: 'running',
      summary: `summarizing ${to - from} messages`,
    });
    try {
      const out = await this.withConversation((sync) =>
        summarizeConversationActivity(
          {
            model,
            messages: sync.messages,
            ...(sync.conversation ? { conversation: sync.conversation } : {}),
            from,
            to,
            ...(this.input.budget?.maxCostUsd !== undefined ? { requirePrice: true } : {}),
          },
          `summarize ${to - from} messages · ${this.input.agent} · step ${this.state.step}`,
        ),
      );
      this.state.recordModelUsage(model, out.usage);
      this.state.updateStep(record, {
        status: 'ok',
        summary: `summarized ${out.count} messages`,
        usage: out.usage,
      });
      return out.summary;
    } catch (err) {
      this.state.updateStep(record, { status: 'error', summary: (err as Error).message });
      throw err;
    }
  }
}
