/**
 * The hand-written baseline: the agent loop as a Temporal user would write it without durable-agents. A plain
 * loop over the same `callModel` and `tool:<name>` activities, with the same timeouts and retry policies as
 * agentWorkflow's, and nothing else: no tool discovery, no search attributes, no current details, no state query.
 * The bench measures durable-agents against it. Workflow code: bundled by the worker, deterministic.
 */
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type {
  Message,
  ModelRequest,
  ModelResponse,
  ToolDefinition,
  ToolResultMessage,
} from '../../src/contracts/messages';
import type { ToolCallInput, ToolCallOutput } from '../../src/contracts/tool-specs';

export interface BaselineInput {
  instructions: string;
  input: string;
  /** `provider:model`, as for agentWorkflow. */
  model: string;
  /** The tool schemas the model is offered; the hand-written loop carries them in its input. */
  tools: ToolDefinition[];
  maxSteps: number;
}

export interface BaselineResult {
  text: string;
  modelCalls: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
}

const { callModel } = proxyActivities<{ callModel(request: ModelRequest): Promise<ModelResponse> }>({
  startToCloseTimeout: '120s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
});

const tools = proxyActivities<Record<string, (input: ToolCallInput) => Promise<ToolCallOutput>>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

export async function baselineAgentWorkflow(input: BaselineInput): Promise<BaselineResult> {
  const messages: Message[] = [{ role: 'user', content: input.input }];
  const result: BaselineResult = { text: '', modelCalls: 0, toolCalls: 0, inputTokens: 0, outputTokens: 0 };
  for (let step = 1; step <= input.maxSteps; step++) {
    const response = await callModel({ model: input.model, system: input.instructions, messages, tools: input.tools });
    result.modelCalls += 1;
    result.inputTokens += response.usage.inputTokens;
    result.outputTokens += response.usage.outputTokens;
    messages.push(response.message);
    const calls = response.message.toolCalls ?? [];
    if (calls.length === 0) return { ...result, text: response.message.content };
    const results = await Promise.all(
      calls.map(async (call, index): Promise<ToolResultMessage> => {
        const run = tools[`tool:${call.name}`] as (input: ToolCallInput) => Promise<ToolCallOutput>;
        const output = await run({
          arguments: call.arguments,
          toolCallId: call.id,
          idempotencyKey: `${workflowInfo().workflowId}:step-${step}:call-${index + 1}`,
        });
        return { role: 'tool', toolCallId: call.id, toolName: call.name, content: output.content };
      }),
    );
    result.toolCalls += calls.length;
    messages.push(...results);
  }
  throw ApplicationFailure.nonRetryable(`did not finish within maxSteps=${input.maxSteps}`, 'MaxStepsExceeded');
}
