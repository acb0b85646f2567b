/**
 * `agentWorkflow`: one agent's tool loop. The model is called (an activity); when it asks for tools they
 * run (one activity each, concurrently); their results are appended; and the loop repeats until the model
 * answers without tool calls or the step limit is reached. Completed calls come back from history on
 * replay, so a crash never repeats a model request or a tool's effect.
 */
import { ApplicationFailure, ContinueAsNew, isCancellation, log, setHandler } from '@temporalio/workflow';
import {
  approveSignal,
  childApprovalsSignal,
  decideUpdate,
  rejectSignal,
  stateQuery,
  type AgentInput,
  type AgentResult,
  type StepRecord,
  type ValidAgentInput,
} from '../../contracts/agent-contract';
import { replayedCostUsd } from '../../contracts/evals/replay';
import { ErrorType } from '../../contracts/errors';
import type { AssistantMessage, Message, ModelResponse } from '../../contracts/messages';
import { checkStructuredOutput } from '../../contracts/structured-output';
import { toModelToolDefinition } from '../../contracts/tool-catalog';
import { ApprovalGates } from '../kernel/approvals';
import { endingEvents, RunWebhooks } from '../kernel/webhooks';
import { boundedText } from '../../contracts/bounded-text';
import { budgetExceededFailure } from '../kernel/budget';
import { initialConversation, LongRun, restoreCarryOver } from './continue-as-new';
import { validateAgentInput } from './input';
import { resolveNamedAgent } from './spec-resolution';
import type { AgentByNameInput } from '../../contracts/agent-spec';
import { ModelCalls } from './model-calls';
import { RunState } from './run-state';
import { ToolCallRunner } from './tool-calls';
import { announceAndResolveTools } from './tools';

const firstWords = (text: string): string => (text.length > 160 ? `${text.slice(0, 159)}…` : text);

function describeTurn(message: AssistantMessage): string {
  if (message.toolCalls?.length) return `asked for ${message.toolCalls.map((c) => c.name).join(', ')}`;
  return firstWords(message.content);
}

export async function agentWorkflow(rawInput: AgentInput | AgentByNameInput): Promise<AgentResult> {
  const input: ValidAgentInput = validateAgentInput(await resolveNamedAgent(rawInput));
  const conversation: Message[] = initialConversation(input);
  const state = new RunState(input, conversation);
  restoreCarryOver(state, input);
  const gates = new ApprovalGates(state);

  setHandler(stateQuery, () => state.snapshot());
  setHandler(approveSignal, (decision) => gates.onApprove(decision));
  setHandler(rejectSignal, (decision) => gates.onReject(decision));
  setHandler(decideUpdate, (decision) => gates.onDecide(decision), {
    validator: (decision) => gates.validateDecide(decision),
  });
  setHandler(childApprovalsSignal, (report) => gates.onChildApprovals(report));
  const webhooks = await RunWebhooks.start({ workflowType: 'agentWorkflow', name: input.agent });
  state.webhooks = webhooks;
  const listener = webhooks.approvalListener();
  if (listener) gates.listener = listener;
  try {
    const result = await runLoop(input, state, gates, conversation);
    // The terminal event is delivered before the run ends, so a subscriber hears of it even if it has to retry.
    await webhooks.end([
      { event: 'run.completed', data: { status: 'completed', ...totals(state), text: boundedText(result.text) } },
    ]);
    return result;
  } catch (err) {
    if (err instanceof ContinueAsNew) await webhooks.flush();
    else {
      const ending =
        state.status === 'budget_exceeded' ? 'budget_exceeded' : isCancellation(err) ? 'cancelled' : 'failed';
      await webhooks.end(endingEvents(ending, err, totals(state)));
    }
    throw err;
  }
}

/** What webhook events say about the run's size and cost. */
function totals(state: RunState): Record<string, unknown> {
  const budget = state.budget.status(state.spend());
  return {
    steps: state.step,
    modelCalls: state.modelCalls,
    toolCalls: state.toolCalls,
    usage: { ...state.usage },
    costUsd: state.cost.totalUsd,
    ...(budget ? { budget } : {}),
  };
}

/** The tool loop, from resolving the agent's tools to its final answer. */
async function runLoop(
  input: ValidAgentInput,
  state: RunState,
  gates: ApprovalGates,
  conversation: Message[],
): Promise<AgentResult> {
  const { descriptors: toolDescriptors, providerQueues } = await announceAndResolveTools(input, state);
  try {
    const tools = [...toolDescriptors.values()].map(toModelToolDefinition);
    const toolRunner = new ToolCallRunner(input, state, gates, toolDescriptors);
    const models = new ModelCalls(input, state, conversation, tools, providerQueues);
    const longRun = new LongRun(input, state, conversation, models);

    while (state.step < input.maxSteps) {
      enforceBudget(input, state, conversation);
      await longRun.continueIfDue();
      state.step += 1;
      const response = await modelTurn(input, state, models);
      conversation.push(response.message);

      const calls = response.message.toolCalls ?? [];
      if (calls.length === 0) {
        const finished = finishOrAskAgain(input, state, conversation, response);
        if (finished) {
          await gates.settle();
          state.setStatus('completed');
          return state.result(response.message.content, finished.output);
        }
        continue;
      }
      enforceBudget(input, state, conversation, calls.length);
      conversation.push(...(await toolRunner.runAll(calls, state.step)));
    }
    throw ApplicationFailure.create({
      type: ErrorType.MaxStepsExceeded,
      message: `agent ${input.agent} did not finish within maxSteps=${input.maxSteps}`,
      nonRetryable: true,
      details: [state.snapshot()],
    });
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (state.status !== 'budget_exceeded')
      state.setStatus(isCancellation(err) ? 'cancelled' : 'failed', (err as Error).message);
    throw err;
  }
}

/** The text of the last answer so far: the partial result a budget breach keeps. */
function lastAnswer(conversation: Message[]): string {
  for (let i = conversation.length - 1; i >= 0; i--) {
    const m = conversation[i] as Message;
    if (m.role === 'assistant' && m.content) return m.content;
  }
  return '';
}

/**
 * Checked before each model call and before a turn's tools run: a breach ends the run with a typed
 * BudgetExceeded failure whose details hold the partial result (answer so far, steps, ledger, budget).
 */
function enforceBudget(input: ValidAgentInput, state: RunState, conversation: Message[], extraToolCalls = 0): void {
  const breach = state.budget.check(state.spend(), extraToolCalls);
  if (!breach) return;
  state.setStatus('budget_exceeded', `budget exceeded: ${breach.message}`);
  throw budgetExceededFailure(`agent ${input.agent}`, breach, state.result(lastAnswer(conversation)));
}

async function modelTurn(input: ValidAgentInput, state: RunState, models: ModelCalls): Promise<ModelResponse> {
  const planned = state.routing?.current ?? input.model;
  const record = state.addStep({ step: state.step, kind: 'model', name: planned, status: 'running', summary: '' });
  try {
    const { response, payloadBytes, model } = await models.call(
      (m) => `model ${m} · ${input.agent} · step ${state.step}`,
    );
    // Every answer is counted, including one that later fails the output schema: it cost money all the same.
    const replayed = recordAnswer(state, model, response);
    state.updateStep(record, {
      ...(model !== planned ? { name: model } : {}),
      status: 'ok',
      summary: describeTurn(response.message),
      usage: response.usage,
      payloadBytes,
      ...replayed,
    });
    log.info('model answered', {
      step: state.step,
      model,
      toolCalls: response.message.toolCalls?.length ?? 0,
      inputTokens: response.usage.inputTokens,
      outputTokens: response.usage.outputTokens,
      ...(replayed.replayed !== undefined ? { replayed: replayed.replayed } : {}),
    });
    return response;
  } catch (err) {
    state.updateStep(record, { status: 'error', summary: (err as Error).message });
    throw err;
  }
}

/**
 * Counts an answer: in the ledger when the provider was paid for it, apart (as money saved) when a replay run got
 * it from the recording. Returns what a replay run's step record says of it; nothing for other runs.
 */
function recordAnswer(
  state: RunState,
  model: string,
  response: ModelResponse,
): Pick<StepRecord, 'replayed' | 'costUsd' | 'savedUsd'> {
  if (response.replayed && state.replay) {
    const savedUsd = replayedCostUsd(response);
    state.recordReplayedModelCall(response.usage, savedUsd);
    return { replayed: true, costUsd: 0, savedUsd };
  }
  const before = state.cost.totalUsd;
  state.recordModelUsage(model, response.usage, response.price);
  return state.replay ? { replayed: false, costUsd: state.cost.totalUsd - before } : {};
}

/**
 * Decides whether a final answer ends the run. With an output schema, an answer that does not match it is
 * sent back once per remaining step with the exact problem, rather than failing a run that can still recover.
 */
function finishOrAskAgain(
  input: ValidAgentInput,
  state: RunState,
  conversation: Message[],
  response: ModelResponse,
): { output?: unknown } | undefined {
  if (!input.outputSchema) return {};
  const check = checkStructuredOutput(response.message.content, input.outputSchema);
  if (check.ok) return { output: check.value };
  log.warn('final answer failed the output schema', { problem: check.problem });
  if (state.step >= input.maxSteps) {
    throw ApplicationFailure.create({
      type: ErrorType.ModelOutputInvalid,
      message: `agent ${input.agent}: final answer invalid after ${state.step} steps: ${check.problem}`,
      nonRetryable: true,
      // The ledger travels with the failure, so a parent still counts what the invalid answers cost.
      details: [state.result(response.message.content)],
    });
  }
  conversation.push({
    role: 'user',
    content: `Your answer was not accepted: ${check.problem}. Reply with only the JSON object.`,
  });
  return undefined;
}
