/**
 * Long runs: agentWorkflow continues as new when Temporal suggests it or after the configured number of steps
 * in one run, so a run of hundreds of steps keeps each history small. It does so only at a safe point (between
 * steps, no tool call or approval in flight, every signal and update handler finished), and hands the next run
 * its totals and conversation in `carryOver`; the conversation travels by reference when it lives in the
 * conversation store, so the next run's input stays small.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { ValidAgentInput } from '../../contracts/agent-contract';
import { CARRIED_STEP_RECORDS, type CarriedConversation, type CarryOver } from '../../contracts/carry-over';
import { ErrorType } from '../../contracts/errors';
import type { Message } from '../../contracts/messages';
import type { ModelCalls } from './model-calls';
import type { RunState } from './run-state';
import { CONTINUE_AS_NEW_PATCH } from '../kernel/patches';
import { withBoundedSummary } from '../../contracts/bounded-text';

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorType.InvalidAgentInput, message, nonRetryable: true });
}

/**
 * The conversation this run starts from: the request and its history for a first run; for a continued run,
 * the carried messages, or (by reference) only the messages the store does not hold yet.
 */
export function initialConversation(input: ValidAgentInput): Message[] {
  const carried = input.carryOver?.conversation;
  if (!carried) return [...input.history, { role: 'user', content: input.input }];
  if (carried.kind === 'messages') return [...carried.messages];
  if (!input.conversationByReference) {
    throw invalid(
      'invalid agent input: carryOver.conversation: a conversation reference needs conversationByReference: true',
    );
  }
  return [...carried.pending];
}

/** Puts the previous runs' totals and step log into this run's state. */
export function restoreCarryOver(state: RunState, input: ValidAgentInput): void {
  const carry = input.carryOver;
  if (!carry) return;
  state.step = carry.step;
  state.modelCalls = carry.modelCalls;
  state.toolCalls = carry.toolCalls;
  state.usage = { ...carry.usage };
  state.cost = carry.cost;
  // Records carried by runs from before summaries were bounded are bounded here, so they stay small too.
  state.steps.push(...carry.steps.map(withBoundedSummary));
  state.runs = carry.runs + 1;
  state.stepsDropped = carry.stepsDropped;
  if (carry.conversation.kind === 'reference') state.earlierMessages = [...(carry.conversation.recent ?? [])];
  if (carry.replay && state.replay) state.replay = { ...carry.replay };
}

export class LongRun {
  private readonly firstStep: number;

  constructor(
    private readonly input: ValidAgentInput,
    private readonly state: RunState,
    private readonly conversation: Message[],
    private readonly models: ModelCalls,
  ) {
    this.firstStep = state.step;
    // The router exists by now (ModelCalls made it); open circuits and past switches carry on.
    const routing = input.carryOver?.routing;
    if (routing && state.routing) Object.assign(state.routing, JSON.parse(JSON.stringify(routing)) as typeof routing);
  }

  /**
   * Called between steps. When this run has done enough, waits for a safe point and continues as new (which
   * ends this run; the call does not return). Runs recorded before the patch never reach it, so they replay.
   */
  async continueIfDue(): Promise<void> {
    if (this.state.step >= this.input.maxSteps || !this.due()) return;
    if (!patched(CONTINUE_AS_NEW_PATCH)) return;
    // No approval may be left waiting (its decision would reach a run that forgot it), and no signal or
    // update half-handled.
    await condition(() => allHandlersFinished() && (this.state.surfacedApprovals?.() ?? []).length === 0);
    const carryOver = this.carryOver();
    log.info('continuing as new', {
      step: this.state.step,
      runs: carryOver.runs,
      conversation: carryOver.conversation.kind,
      suggested: workflowInfo().continueAsNewSuggested,
    });
    // The opening history is in the carried conversation already; sending it again would only grow the input.
    const next: ValidAgentInput = { ...this.input, history: [], carryOver };
    // This run's totals are final: its search attributes say so (the next run announces them again).
    this.state.flushUsage();
    await continueAsNew<(input: ValidAgentInput) => Promise<unknown>>(next);
  }

  private due(): boolean {
    if (workflowInfo().continueAsNewSuggested) return true;
    const every = this.input.continueAsNewAfterSteps;
    return every !== undefined && this.state.step - this.firstStep >= every;
  }

  private carryOver(): CarryOver {
    const steps = this.state.steps;
    const kept = steps.slice(-CARRIED_STEP_RECORDS).map((s) => withBoundedSummary({ ...s }));
    return {
      runs: this.state.runs,
      step: this.state.step,
      modelCalls: this.state.modelCalls,
      toolCalls: this.state.toolCalls,
      usage: { ...this.state.usage },
      cost: this.state.cost,
      steps: kept,
      stepsDropped: this.state.stepsDropped + steps.length - kept.length,
      conversation: this.carriedConversation(),
      wallClockStartedAt: this.state.budget.startedAt,
      ...(this.state.routing
        ? { routing: JSON.parse(JSON.stringify(this.state.routing)) as typeof this.state.routing }
        : {}),
      ...(this.state.replay ? { replay: { ...this.state.replay } } : {}),
    };
  }

  /**
   * By reference when the store holds the conversation and no context strategy needs it in the workflow (a
   * strategy keeps it within the model's window, so carrying it whole stays small); otherwise the messages.
   */
  private carriedConversation(): CarriedConversation {
    const stored = this.input.context ? undefined : this.models.checkpoint();
    if (stored && stored.length > 0) {
      return {
        kind: 'reference',
        id: stored.id,
        revision: stored.revision,
        length: stored.length,
        pending: this.conversation.slice(stored.local),
        // Those the next run will not hold itself: the pending ones are in its conversation already.
        recent: this.state.lastMessages(stored.local),
      };
    }
    return { kind: 'messages', messages: [...this.conversation] };
  }
}
