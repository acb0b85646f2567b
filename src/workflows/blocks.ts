/**
 * Building blocks for agent workflows, safe to import in Temporal workflow code: `graphWorkflow` is made
 * of these, and users who write their own workflows use the same ones (the `durable-agents/workflow` entry).
 * Every block is a recorded Temporal command (a child workflow, an activity, a durable wait), so a workflow
 * built from them replays deterministically.
 */
import { executeChild, log, workflowInfo } from '@temporalio/workflow';
import type { AgentInput, AgentResult, PendingApproval } from '../contracts/agent-contract';
import { ErrorType } from '../contracts/errors';
import type { Condition } from '../contracts/graph-spec';
import { evaluateCondition, type GraphValues } from '../contracts/graph-rules';
import type { Message, ModelResponse, Usage } from '../contracts/messages';
import { checkStructuredOutput } from '../contracts/structured-output';
import type { ToolDescriptor } from '../contracts/tool-catalog';
import { ApplicationFailure } from '@temporalio/workflow';
import { callModelActivity, callToolActivity, describeToolsActivity } from './kernel/activities';
import { ApprovalGates, type ApprovalHost, type Decision } from './kernel/approvals';
import { idempotencyKey } from './agent/idempotency-key';

/**
 * Runs an agent's tool loop as a child `agentWorkflow`, visible as a child run named after the agent. Given
 * this run's approval `gates`, the child's approvals surface here (read from the child, never taken from a
 * signal) and a decision taken here reaches the child.
 */
export async function runAgent(
  input: AgentInput,
  options: {
    workflowId?: string;
    summary?: string;
    gates?: ApprovalGates;
    /** The task queue of the workers that run the agent (default: the calling workflow's). */
    taskQueue?: string;
  } = {},
): Promise<AgentResult> {
  const agent = input.agent ?? 'agent';
  const workflowId = options.workflowId ?? `${workflowInfo().workflowId}/${agent}`;
  options.gates?.childStarting(workflowId);
  try {
    return (await executeChild('agentWorkflow', {
      args: [input],
      workflowId,
      ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
      staticSummary: options.summary ?? `agent ${agent} · ${input.model}`,
    })) as AgentResult;
  } finally {
    options.gates?.childEnded(workflowId);
  }
}

export interface ModelCallResult {
  text: string;
  /** Parsed JSON when an output schema was given. */
  output?: unknown;
  usage: Usage;
  model: string;
  /** Model responses this result cost (2 when the first answer failed the output schema). */
  calls?: number;
  /** The worker's price for the model, as the last response reported it. */
  price?: ModelResponse['price'];
}

/**
 * One model call without tools. With an output schema, an answer that does not match is sent back once
 * with the exact problem; a second miss fails with ModelOutputInvalid.
 */
export async function callModelOnce(request: {
  model: string;
  system: string;
  input: string;
  outputSchema?: Record<string, unknown>;
  summary: string;
  /** A cost budget binds the call: the worker refuses a model it has no price for (`ModelUnpriced`). */
  requirePrice?: boolean;
}): Promise<ModelCallResult> {
  const messages: Message[] = [{ role: 'user', content: request.input }];
  let usage: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  for (let attempt = 1; ; attempt++) {
    const response: ModelResponse = await callModelActivity(
      {
        model: request.model,
        system: request.system,
        messages,
        tools: [],
        ...(request.outputSchema ? { outputSchema: request.outputSchema } : {}),
        ...(request.requirePrice ? { requirePrice: true } : {}),
      },
      request.summary,
    );
    usage = {
      inputTokens: usage.inputTokens + response.usage.inputTokens,
      outputTokens: usage.outputTokens + response.usage.outputTokens,
      cachedInputTokens: usage.cachedInputTokens + response.usage.cachedInputTokens,
    };
    const text = response.message.content;
    const spent = { usage, model: request.model, calls: attempt, ...(response.price ? { price: response.price } : {}) };
    if (!request.outputSchema) return { text, ...spent };
    const check = checkStructuredOutput(text, request.outputSchema);
    if (check.ok) return { text, output: check.value, ...spent };
    if (attempt >= 2) {
      throw ApplicationFailure.create({
        type: ErrorType.ModelOutputInvalid,
        message: `${request.summary}: ${check.problem}`,
        nonRetryable: true,
        // Invalid answers cost money too: the usage travels with the failure so the caller's ledger counts it.
        details: [spent],
      });
    }
    messages.push(response.message, {
      role: 'user',
      content: `Your answer was not accepted: ${check.problem}. Reply with only the JSON object.`,
    });
  }
}

/** Runs one tool by name with the given arguments, as the worker's registry describes it. */
export async function runTool(
  name: string,
  args: Record<string, unknown>,
  options: { callId: string; summary?: string },
): Promise<string> {
  const [descriptor] = (await describeToolsActivity({ tools: [name], mcpServers: [] })) as [ToolDescriptor];
  const output = await callToolActivity(
    descriptor,
    {
      arguments: JSON.stringify(args),
      toolCallId: options.callId,
      idempotencyKey: idempotencyKey(options.callId),
    },
    options.summary ?? `tool ${name}`,
  );
  return output.content;
}

/**
 * A durable human gate. Create one per workflow with the run's host (its pending approvals and status) and
 * wire `onApprove` / `onReject` to the `approve` / `reject` signals.
 */
export function createApprovalGates(host: ApprovalHost): ApprovalGates {
  return new ApprovalGates(host);
}

export function approvalGate(gates: ApprovalGates, pending: PendingApproval): Promise<Decision> {
  return gates.request(pending);
}

/** Runs `fn` over the items with at most `limit` running at once; results come back in item order. */
export async function boundedFanOut<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  return results;
}

/** The first rule whose condition holds, else the default: routing by data, never by evaluated code. */
export function routeByRule(
  rules: { when: Condition; to: string }[],
  fallback: string,
  values: GraphValues,
): { to: string; reason: string; matched: boolean } {
  for (const rule of rules) {
    if (evaluateCondition(rule.when, values)) {
      return {
        to: rule.to,
        matched: true,
        reason: `${rule.when.field} ${rule.when.op} ${JSON.stringify(rule.when.value ?? null)}`,
      };
    }
  }
  return { to: fallback, matched: false, reason: 'no rule matched' };
}

/** Reads a router's answer: a bare option name, or JSON `{ "next": ..., "reason": ... }`. */
export function parseRouterAnswer(text: string): { choice: string; reason?: string } {
  const trimmed = text.trim();
  try {
    const parsed = JSON.parse(trimmed) as { next?: unknown; reason?: unknown };
    if (parsed && typeof parsed.next === 'string') {
      return { choice: parsed.next.trim(), ...(typeof parsed.reason === 'string' ? { reason: parsed.reason } : {}) };
    }
  } catch {
    // Not JSON: a plain answer.
  }
  const firstLine = trimmed.split('\n')[0] ?? '';
  return { choice: firstLine.replace(/^["'`*\s]+|["'`*.\s]+$/g, '') };
}

/**
 * Lets a model pick the next step among declared options. An answer that is not one of them takes the
 * fallback, and the decision says so: a confused router cannot send the run somewhere undeclared.
 */
export async function routeByModel(router: {
  model: string;
  instructions: string;
  input: string;
  options: string[];
  fallback: string;
  summary: string;
  requirePrice?: boolean;
}): Promise<{
  to: string;
  reason: string;
  byModel: boolean;
  usage: Usage;
  calls?: number;
  price?: ModelResponse['price'];
}> {
  const answer = await callModelOnce({
    model: router.model,
    system: router.instructions,
    input: `${router.input}\n\nOptions: ${router.options.join(', ')}`,
    summary: router.summary,
    ...(router.requirePrice ? { requirePrice: true } : {}),
  });
  const { choice, reason } = parseRouterAnswer(answer.text);
  if (router.options.includes(choice)) {
    return {
      to: choice,
      reason: reason ?? `router chose ${choice}`,
      byModel: true,
      usage: answer.usage,
      ...(answer.calls ? { calls: answer.calls } : {}),
      ...(answer.price ? { price: answer.price } : {}),
    };
  }
  log.warn('router answered outside its options; taking the fallback', {
    answer: answer.text.slice(0, 200),
    fallback: router.fallback,
  });
  return {
    to: router.fallback,
    reason: `router answered "${answer.text.slice(0, 80)}", not one of ${router.options.join(', ')}; fallback`,
    byModel: false,
    usage: answer.usage,
    ...(answer.calls ? { calls: answer.calls } : {}),
    ...(answer.price ? { price: answer.price } : {}),
  };
}
