/**
 * OpenTelemetry GenAI semantic-convention attributes on the span of the running activity (the interceptor's
 * `RunActivity:<type>` span). The activities call these helpers unconditionally: when tracing is off there is
 * no active span and each call does nothing.
 *
 * The attribute names are written out here rather than imported from the semantic-conventions package's
 * incubating entry point, as that package advises for conventions that are still in development.
 */
import { trace, type Attributes } from '@opentelemetry/api';
import type { StopReason, Usage } from '../contracts/messages';

export const GenAiAttr = {
  system: 'gen_ai.system',
  operationName: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  errorType: 'error.type',
} as const;

/** Our own attributes, under our own prefix as the conventions ask. */
export const DurableAgentsAttr = {
  /** The full `provider:model` id the workflow asked for. */
  modelId: 'durable_agents.model',
  cachedInputTokens: 'durable_agents.usage.cached_input_tokens',
  /** `ok`, or the failure type (`ToolFailed`, `ToolArgumentsInvalid`, …) of a tool call. */
  toolOutcome: 'durable_agents.tool.outcome',
} as const;

function annotate(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** What the model activity knows before the request goes out. */
export function annotateModelRequest(request: {
  provider: string;
  model: string;
  modelId: string;
  maxOutputTokens?: number;
  temperature?: number;
}): void {
  annotate({
    [GenAiAttr.system]: request.provider,
    [GenAiAttr.operationName]: 'chat',
    [GenAiAttr.requestModel]: request.model,
    [DurableAgentsAttr.modelId]: request.modelId,
    ...(request.maxOutputTokens !== undefined ? { [GenAiAttr.requestMaxTokens]: request.maxOutputTokens } : {}),
    ...(request.temperature !== undefined ? { [GenAiAttr.requestTemperature]: request.temperature } : {}),
  });
}

/** The provider's answer: the model it used, why it stopped, and the tokens it counted. */
export function annotateModelResponse(response: {
  providerModel?: string;
  stopReason: StopReason;
  usage: Usage;
}): void {
  annotate({
    ...(response.providerModel ? { [GenAiAttr.responseModel]: response.providerModel } : {}),
    [GenAiAttr.responseFinishReasons]: [response.stopReason],
    [GenAiAttr.usageInputTokens]: response.usage.inputTokens,
    [GenAiAttr.usageOutputTokens]: response.usage.outputTokens,
    [DurableAgentsAttr.cachedInputTokens]: response.usage.cachedInputTokens,
  });
}

/** A model call that failed with a typed failure (`RateLimited`, `AuthFailed`, …). */
export function annotateModelFailure(type: string | undefined | null): void {
  annotate({ [GenAiAttr.errorType]: type ?? 'Error' });
}

/** A tool call: which tool, for which call of the model. */
export function annotateToolCall(tool: { name: string; callId: string }): void {
  annotate({
    [GenAiAttr.operationName]: 'execute_tool',
    [GenAiAttr.toolName]: tool.name,
    [GenAiAttr.toolCallId]: tool.callId,
  });
}

/** How a tool call ended: `ok`, or the failure's type (also set as `error.type`). */
export function annotateToolOutcome(outcome: { ok: true } | { ok: false; type: string | undefined | null }): void {
  if (outcome.ok) annotate({ [DurableAgentsAttr.toolOutcome]: 'ok' });
  else {
    const type = outcome.type ?? 'Error';
    annotate({ [DurableAgentsAttr.toolOutcome]: type, [GenAiAttr.errorType]: type });
  }
}
