/**
 * Activity proxies with the retry policies of DESIGN.md. Timeouts and retries are decided here, once,
 * so every model call and every tool call of every agent behaves the same way.
 */
import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import { modelTaskQueueFor, routedModelTaskQueue, type ProviderQueues } from '../../contracts/model-queues';
import { MODEL_PROVIDER_QUEUE_PATCH } from './patches';
import type { ModelRequest, ModelResponse } from '../../contracts/messages';
import type { SummarizeInput, SummarizeOutput } from '../../contracts/context-window';
import { nonRetryableErrorTypes } from '../../contracts/errors';
import type {
  DescribeToolsInput,
  DescribeToolsResult,
  McpCallInput,
  ToolDescriptor,
} from '../../contracts/tool-catalog';
import { attemptsFor, type ToolCallInput, type ToolCallOutput } from '../../contracts/tool-specs';
// Types only (erased from the bundle): the proxies take their signatures from the activities themselves, so a
// changed activity signature fails the typecheck here instead of at run time.
import type { ModelActivities } from '../../activities/models';
import type { McpActivities } from '../../activities/mcp';
import type { createDescribeToolsActivity } from '../../activities/tools/registry';
import type { ToolActivity } from '../../activities/tools/tool-activity';
import type { createAgentSpecActivities } from '../../activities/agent-specs';
import type { EvalActivities } from '../../activities/evals/score-case';
import type { ScoreCaseInput } from '../../contracts/evals/contract';
import type { Score } from '../../contracts/evals/scorers';

type McpActivity = McpActivities[keyof McpActivities];

/**
 * Model calls: a short heartbeat timeout notices a dead worker in seconds even though one attempt may take
 * two minutes; exponential backoff from 1 s to 60 s, overridden by the provider's retry-after. 3 s (heartbeats
 * every 1.5 s, at half) puts the retry of a call cut off by a crash about 4 s after it (3 s plus the 1 s first
 * interval), inside the 5 s goal of docs/benchmarks.md; a call that ends within 1.5 s never heartbeats at all.
 */
export const modelCallOptions: ActivityOptions = {
  startToCloseTimeout: '120s',
  heartbeatTimeout: '3s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    nonRetryableErrorTypes,
  },
};

const { callModel } = proxyActivities<ModelActivities>(modelCallOptions);

/**
 * Calls the model with a Web UI summary naming the model, agent and step. `providerQueues` (what the run's
 * recorded `describeTools` answer said) sends a rate-limited provider's call to that provider's own task queue,
 * rate-limited there across workers, and any other call to the workflow's own queue, where the server may dispatch
 * it eagerly. Without it (runs and workflows that did not ask), the call goes to the provider's queue, and runs
 * started before provider queues existed replay as they ran. `maximumAttempts` bounds the retries when a fallback
 * model is waiting to take over; `timeout` replaces the default start-to-close timeout of one attempt (the agent's
 * `modelTimeout`).
 */
export function callModelActivity(
  request: ModelRequest,
  summary: string,
  options: { maximumAttempts?: number; timeout?: string; providerQueues?: ProviderQueues } = {},
): Promise<ModelResponse> {
  // A run with `providerQueues` took the LEAN_STEPS_PATCH branch, so it also postdates provider queues:
  // asking for that older patch too would only record a second marker.
  const taskQueue = options.providerQueues
    ? routedModelTaskQueue(workflowInfo().taskQueue, request.model, options.providerQueues)
    : patched(MODEL_PROVIDER_QUEUE_PATCH)
      ? modelTaskQueueFor(workflowInfo().taskQueue, request.model)
      : undefined;
  return callModel.executeWithOptions(
    {
      ...modelCallOptions,
      ...(taskQueue ? { taskQueue } : {}),
      ...(options.timeout ? { startToCloseTimeout: options.timeout } : {}),
      ...(options.maximumAttempts
        ? { retry: { ...modelCallOptions.retry, maximumAttempts: options.maximumAttempts } }
        : {}),
      summary,
    },
    [request],
  );
}

const summarizeOptions: ActivityOptions = {
  // One non-streaming model call; it does not heartbeat, so no heartbeat timeout.
  startToCloseTimeout: '120s',
  retry: modelCallOptions.retry,
};
const { summarizeConversation } = proxyActivities<ModelActivities>(summarizeOptions);

/** Asks a model to summarize part of the conversation (context strategy `summarize`). */
export function summarizeConversationActivity(input: SummarizeInput, summary: string): Promise<SummarizeOutput> {
  return summarizeConversation.executeWithOptions({ ...summarizeOptions, summary }, [input]);
}

function toolCallOptions(tool: ToolDescriptor): ActivityOptions {
  return {
    startToCloseTimeout: tool.timeout,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      // Destructive tools get one attempt unless they pass their idempotency key on, whatever the descriptor
      // (an MCP server's, or one recorded before this rule) says; only the retry policy changes, no command.
      maximumAttempts: attemptsFor(tool),
      nonRetryableErrorTypes,
    },
  };
}

/** Runs one tool as its own activity, with that tool's timeout and retry policy and a Web UI summary. */
export function callToolActivity(tool: ToolDescriptor, input: ToolCallInput, summary: string): Promise<ToolCallOutput> {
  const options = { ...toolCallOptions(tool), summary };
  // The activity type is the tool's (`tool:<name>`, or the MCP activity), known only at run time.
  const proxy = proxyActivities<Record<string, ToolActivity | McpActivity>>(options)[tool.activity] as (
    ToolActivity | McpActivity
  ) & {
    executeWithOptions(options: ActivityOptions, args: [ToolCallInput | McpCallInput]): Promise<ToolCallOutput>;
  };
  const args: ToolCallInput | McpCallInput = tool.mcp
    ? { ...input, server: tool.mcp.server, tool: tool.mcp.tool }
    : input;
  return proxy.executeWithOptions(options, [args]);
}

const describeToolsOptions = {
  // Discovery may start an MCP server; a few attempts ride out a slow start.
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5, nonRetryableErrorTypes },
} satisfies ActivityOptions & LocalActivityOptions;
type DescribeToolsActivities = ReturnType<typeof createDescribeToolsActivity>;
const { describeTools } = proxyActivities<DescribeToolsActivities>(describeToolsOptions);
const { describeTools: describeToolsHere } = proxyLocalActivities<DescribeToolsActivities>(describeToolsOptions);

/**
 * Asks the worker what the named tools and MCP servers offer (and, with `modelQueues`, where model calls go); the
 * answer is recorded in history. `local` (lean-steps runs naming no MCP server) asks the worker running the
 * workflow, as a local activity: one marker event in the run's first workflow task instead of an activity's three events and a second
 * workflow task's three, and the worker whose rate-limit configuration is asked is the one running the run.
 */
export function describeToolsActivity(
  input: DescribeToolsInput,
  options: { local?: boolean } = {},
): Promise<DescribeToolsResult> {
  const call = options.local ? describeToolsHere : describeTools;
  return call.executeWithOptions({ ...describeToolsOptions, summary: 'describe tools' }, [input]);
}

const resolveAgentSpecOptions: ActivityOptions = {
  // A few files read from local disk: seconds at most; a retry or two rides out a file being rewritten.
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3, nonRetryableErrorTypes },
};
type AgentSpecActivities = ReturnType<typeof createAgentSpecActivities>;
const { resolveAgentSpec } = proxyActivities<AgentSpecActivities>(resolveAgentSpecOptions);

/** Asks the worker's agent catalog for the named agent's spec; the answer is recorded in history. */
export function resolveAgentSpecActivity(name: string): ReturnType<AgentSpecActivities['resolveAgentSpec']> {
  return resolveAgentSpec.executeWithOptions({ ...resolveAgentSpecOptions, summary: `agent spec ${name}` }, [{ name }]);
}

const scoreEvalCaseOptions: ActivityOptions = {
  // Pure scorers take milliseconds; a user's `defineScorer` may call a service of its own, so a minute and retries.
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes },
};
const { scoreEvalCase } = proxyActivities<EvalActivities>(scoreEvalCaseOptions);

/** Scores one eval case with every scorer of the eval (see activities/evals/score-case.ts). */
export function scoreEvalCaseActivity(input: ScoreCaseInput, summary: string): Promise<Score[]> {
  return scoreEvalCase.executeWithOptions({ ...scoreEvalCaseOptions, summary }, [input]);
}
