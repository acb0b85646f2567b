/**
 * The three ways the bench runs the scripted agent: durable-agents' `agentWorkflow`, the hand-written Temporal
 * workflow, and a plain in-process loop over the same activity functions with no Temporal at all.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { createModelAdapters } from '../../src/activities/models/clients';
import type { ToolActivity } from '../../src/activities/tools/tool-activity';
import type { Message, ModelRequest, ModelResponse, ToolResultMessage } from '../../src/contracts/messages';
import type { ToolCallOutput } from '../../src/contracts/tool-specs';
import type { agentWorkflow } from '../../src/workflows/agent/workflow';
import type { baselineAgentWorkflow } from './baseline-workflows';
import { BENCH_INSTRUCTIONS, baselineInput, benchTools, benchUserInput, durableInput } from './scenario';

export type Mode = 'durable-agents' | 'hand-written' | 'in-process';

export interface RunOutcome {
  workflowId?: string;
  modelCalls: number;
  /** Input tokens as the provider (the mock: 4 characters a token of the request body) reported them. */
  inputTokens: number;
}

/** Long enough for any bench run, short enough that an abandoned run cannot outlive the bench by much. */
const RUN_TIMEOUT = '10m';

export async function runDurable(
  client: Client,
  taskQueue: string,
  model: string,
  runId: string,
  steps: number,
): Promise<RunOutcome> {
  const workflowId = `bench-da-${runId}`;
  const handle = await client.workflow.start<typeof agentWorkflow>('agentWorkflow', {
    taskQueue,
    workflowId,
    args: [durableInput(model, runId, steps)],
    workflowExecutionTimeout: RUN_TIMEOUT,
  });
  const result = await handle.result();
  return { workflowId, modelCalls: result.modelCalls, inputTokens: result.usage.inputTokens };
}

export async function runHandWritten(
  client: Client,
  taskQueue: string,
  model: string,
  runId: string,
  steps: number,
): Promise<RunOutcome> {
  const workflowId = `bench-hw-${runId}`;
  const handle = await client.workflow.start<typeof baselineAgentWorkflow>('baselineAgentWorkflow', {
    taskQueue,
    workflowId,
    args: [baselineInput(model, runId, steps)],
    workflowExecutionTimeout: RUN_TIMEOUT,
  });
  const result = await handle.result();
  return { workflowId, modelCalls: result.modelCalls, inputTokens: result.inputTokens };
}

/** Activity logs are dropped, as the bench workers drop everything below `error`. */
const silentLogger: Logger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The in-process loop: the very activity functions the worker registers (createActivities over
 * createModelAdapters), each called through MockActivityEnvironment so `Context.current()`, heartbeats and the
 * activity logger work as on a worker, in a plain `for` loop. No Temporal server, no worker, no history.
 */
export function createInProcessRunner(
  mockUrl: string,
  workspaceDir: string,
): (model: string, runId: string, steps: number) => Promise<RunOutcome> {
  const activities = createActivities({
    adapters: createModelAdapters({ mock: { baseURL: mockUrl, wire: 'openai' } }),
    workspaceDir,
    knowledgeBaseDir: path.resolve(__dirname, '../../src/agents/knowledge-base'),
  });
  // A fresh environment per call, as a worker makes a fresh activity context per task (its cancellation signal
  // collects the HTTP client's abort listeners); the model call gets agentWorkflow's heartbeat timeout, so callModel
  // starts its heartbeat timer as it would on a worker.
  const modelEnv = (): MockActivityEnvironment =>
    new MockActivityEnvironment(
      { activityType: 'callModel', heartbeatTimeoutMs: 3_000, startToCloseTimeoutMs: 120_000 },
      { logger: silentLogger },
    );
  const toolEnv = (name: string): MockActivityEnvironment =>
    new MockActivityEnvironment(
      { activityType: `tool:${name}`, startToCloseTimeoutMs: 10_000 },
      { logger: silentLogger },
    );
  const tools = benchTools();

  return async (model, runId, steps) => {
    const messages: Message[] = [{ role: 'user', content: benchUserInput(runId) }];
    let inputTokens = 0;
    for (let step = 1; step <= steps; step++) {
      const request: ModelRequest = { model, system: BENCH_INSTRUCTIONS, messages, tools };
      const response: ModelResponse = await modelEnv().run(activities.callModel, request);
      inputTokens += response.usage.inputTokens;
      messages.push(response.message);
      const calls = response.message.toolCalls ?? [];
      if (calls.length === 0) return { modelCalls: step, inputTokens };
      const results = await Promise.all(
        calls.map(async (call, index): Promise<ToolResultMessage> => {
          const tool = (activities as unknown as Record<string, ToolActivity | undefined>)[`tool:${call.name}`];
          if (!tool) throw new Error(`in-process loop: no tool ${call.name}`);
          const output: ToolCallOutput = await toolEnv(call.name).run(tool, {
            arguments: call.arguments,
            toolCallId: call.id,
            idempotencyKey: `${runId}:step-${step}:call-${index + 1}`,
          });
          return { role: 'tool', toolCallId: call.id, toolName: call.name, content: output.content };
        }),
      );
      messages.push(...results);
    }
    throw new Error(`in-process loop: no final answer within ${steps} steps`);
  };
}
