/**
 * Runs the tool calls of one model turn. Every outcome becomes a tool-result message, including errors,
 * a rejection and a tool the agent was not given: the model reads what happened and decides what next.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { ValidAgentInput } from '../../contracts/agent-contract';
import type { ToolCall, ToolResultMessage } from '../../contracts/messages';
import { ErrorType } from '../../contracts/errors';
import type { ToolDescriptor } from '../../contracts/tool-catalog';
import { z } from 'zod';
import { callToolActivity } from '../kernel/activities';
import type { ApprovalGates } from '../kernel/approvals';
import { toolIdempotencyKey } from './idempotency-key';
import type { RunState } from './run-state';
import { describeIssues } from '../../contracts/zod-issues';
import { boundedText } from '../../contracts/bounded-text';
import { activityCause, applicationFailureOf } from '../kernel/failures';

/** Characters of a tool call's arguments kept on its step record (what eval argument matchers read). */
const TOOL_ARGUMENTS_CHARS = 1_000;

/** Edited arguments must satisfy the tool's own JSON schema, checked before the approval is accepted. */
function argumentsCheck(tool: ToolDescriptor): (json: string) => string | undefined {
  return (json) => {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      return `not valid JSON (${(err as Error).message})`;
    }
    const result = z.fromJSONSchema(tool.parameters as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
    if (result.success) return undefined;
    return describeIssues(result.error.issues, { root: '(arguments)' });
  };
}

function errorText(err: unknown): string {
  const failure = applicationFailureOf(err);
  if (failure) return `Error (${failure.type ?? ErrorType.ToolFailed}): ${failure.message}`;
  const cause = activityCause(err);
  return `Error: ${(cause as Error | undefined)?.message ?? String(cause)}`;
}

export class ToolCallRunner {
  constructor(
    private readonly input: ValidAgentInput,
    private readonly state: RunState,
    private readonly gates: ApprovalGates,
    private readonly tools: ReadonlyMap<string, ToolDescriptor>,
  ) {}

  /** Runs the turn's calls concurrently; results come back in the order the model asked for them. */
  runAll(calls: ToolCall[], step: number): Promise<ToolResultMessage[]> {
    return Promise.all(calls.map((call, index) => this.run(call, step, index)));
  }

  private async run(requested: ToolCall, step: number, index: number): Promise<ToolResultMessage> {
    // An approver may edit the arguments; the call that runs is then not the one the model proposed.
    let call = requested;
    const result = (content: string, isError = false): ToolResultMessage => ({
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content,
      ...(isError ? { isError } : {}),
    });
    const record = this.state.addStep({
      step,
      kind: 'tool',
      name: call.name,
      status: 'running',
      summary: call.arguments,
      toolCallId: call.id,
      arguments: boundedText(call.arguments, TOOL_ARGUMENTS_CHARS),
    });

    // Only the tools in the agent's spec can run, whatever a model or a tool result asks for.
    const tool = this.tools.get(call.name);
    if (!tool) {
      log.warn('model asked for a tool the agent does not have', { tool: call.name });
      this.state.updateStep(record, { status: 'error', summary: 'not available to this agent' });
      return result(`Error (UnknownTool): tool "${call.name}" is not available to this agent`, true);
    }

    if (tool.needsApproval || this.input.approvalRequiredTools.includes(call.name)) {
      this.state.updateStep(record, { status: 'awaiting_approval' });
      const decision = await this.gates.request(
        {
          approvalId: `step-${step}-call-${index + 1}`,
          what: `tool ${call.name}`,
          why: tool.needsApproval
            ? `${call.name} is ${tool.sideEffects === 'destructive' ? 'destructive' : 'marked as needing approval'}`
            : `${call.name} is marked as needing approval for agent ${this.input.agent}`,
          proposed: call.arguments,
          requestedAt: new Date().toISOString(),
          ...(this.input.approvalTimeout ? { timeout: this.input.approvalTimeout } : {}),
          ...(this.input.approvers ? { approvers: this.input.approvers } : {}),
        },
        argumentsCheck(tool),
      );
      if (decision.decision === 'rejected') {
        const reason = decision.reason ? `: ${decision.reason}` : '';
        this.state.updateStep(record, {
          status: 'rejected',
          summary: `rejected${decision.by ? ` by ${decision.by}` : ''}${reason}`,
        });
        return result(`The user rejected this ${call.name} call${reason}. Do not retry it unchanged.`, true);
      }
      this.state.updateStep(record, { status: 'running' });
      if (decision.arguments !== undefined) {
        log.info('running the tool with arguments edited by the approver', { tool: call.name, by: decision.by });
        call = { ...call, arguments: decision.arguments };
        this.state.updateStep(record, {
          summary: call.arguments,
          arguments: boundedText(call.arguments, TOOL_ARGUMENTS_CHARS),
        });
      }
    }

    this.state.toolCalls += 1;
    try {
      const output = await callToolActivity(
        tool,
        {
          arguments: call.arguments,
          toolCallId: call.id,
          // Stable across retries and replays, so a side-effecting tool can recognise a repeated attempt.
          idempotencyKey: toolIdempotencyKey(step, index + 1),
          ...(this.input.httpFetchAllowHosts ? { allowHosts: this.input.httpFetchAllowHosts } : {}),
        },
        `tool ${call.name} · ${this.input.agent} · step ${step}`,
      );
      this.state.updateStep(record, { status: 'ok', summary: output.content });
      return result(output.content);
    } catch (err) {
      // A cancelled run stops here; only the tool's own failures go back to the model.
      if (isCancellation(err)) throw err;
      const text = errorText(err);
      log.warn('tool call failed', { tool: call.name, error: text });
      this.state.updateStep(record, { status: 'error', summary: text });
      return result(text, true);
    }
  }
}
