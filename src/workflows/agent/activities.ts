/**
 * Activity proxies with the retry policies of DESIGN.md. Timeouts and retries are decided here, once,
 * so every model call and every tool call of every agent behaves the same way.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { ModelRequest, ModelResponse } from '../../common/messages';
import { nonRetryableErrorTypes } from '../../common/errors';
import { toolActivityName, toolSpecsByName, type ToolCallInput, type ToolCallOutput, type ToolSpec } from '../../common/tool-specs';

interface ModelActivities {
  callModel(request: ModelRequest): Promise<ModelResponse>;
}
type ToolActivity = (input: ToolCallInput) => Promise<ToolCallOutput>;

/**
 * Model calls: a short heartbeat timeout notices a dead worker in seconds even though one attempt may take
 * two minutes; exponential backoff from 1 s to 60 s, overridden by the provider's retry-after.
 */
export const modelCallOptions: ActivityOptions = {
  startToCloseTimeout: '120s',
  heartbeatTimeout: '10s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    nonRetryableErrorTypes,
  },
};

const { callModel } = proxyActivities<ModelActivities>(modelCallOptions);

/** Calls the model with a Web UI summary naming the model, agent and step. */
export function callModelActivity(request: ModelRequest, summary: string): Promise<ModelResponse> {
  return callModel.executeWithOptions({ ...modelCallOptions, summary }, [request]);
}

function toolCallOptions(spec: ToolSpec): ActivityOptions {
  return {
    startToCloseTimeout: spec.timeout,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: spec.maximumAttempts,
      nonRetryableErrorTypes,
    },
  };
}

const toolProxies = new Map<string, ToolActivity>(
  [...toolSpecsByName.values()].map((spec) => {
    const proxies = proxyActivities<Record<string, ToolActivity>>(toolCallOptions(spec));
    return [spec.name, proxies[toolActivityName(spec.name)] as ToolActivity];
  }),
);

/** Runs one tool as its own activity, with that tool's timeout and retry policy and a Web UI summary. */
export function callToolActivity(toolName: string, input: ToolCallInput, summary: string): Promise<ToolCallOutput> {
  const spec = toolSpecsByName.get(toolName);
  const proxy = toolProxies.get(toolName);
  if (!spec || !proxy) throw new Error(`no activity for tool ${toolName}`);
  const withOptions = proxy as unknown as {
    executeWithOptions(options: ActivityOptions, args: [ToolCallInput]): Promise<ToolCallOutput>;
  };
  return withOptions.executeWithOptions({ ...toolCallOptions(spec), summary }, [input]);
}
