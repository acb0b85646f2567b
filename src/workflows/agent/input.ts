import { ApplicationFailure } from '@temporalio/workflow';
import { agentInputSchema, type ValidAgentInput } from '../../contracts/agent-contract';
import { ErrorType } from '../../contracts/errors';
import { toolSpecsByName } from '../../contracts/tool-specs';
import { z } from 'zod';
import { issueLines } from '../../contracts/zod-issues';

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ErrorType.InvalidAgentInput, message, nonRetryable: true });
}

/**
 * Validates the workflow input. A bad input fails the run at once with a message naming the field,
 * rather than failing the workflow task over and over.
 */
export function validateAgentInput(raw: unknown): ValidAgentInput {
  const parsed = agentInputSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = issueLines(parsed.error.issues, { root: '(input)' });
    throw invalid(`invalid agent input: ${problems.join('; ')}`);
  }
  const input = parsed.data;
  if (input.outputSchema) {
    try {
      z.fromJSONSchema(input.outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (err) {
      throw invalid(`invalid agent input: outputSchema: ${(err as Error).message}`);
    }
  }
  return input;
}

/**
 * Checks tool names against the built-in tools compiled into the workflow: how runs started before the
 * `describeTools` activity existed resolved their tools, kept so their histories replay.
 */
export function checkBuiltinToolNames(input: ValidAgentInput): void {
  const unknown = input.tools.filter((t) => !toolSpecsByName.has(t));
  if (unknown.length) {
    throw invalid(
      `invalid agent input: tools: unknown tool(s) ${unknown.join(', ')}; known: ${[...toolSpecsByName.keys()].join(', ')}`,
    );
  }
}

/** Every tool named as needing approval must be one the agent actually has. */
export function checkApprovalToolNames(input: ValidAgentInput, available: string[]): void {
  const ungated = input.approvalRequiredTools.filter((t) => !available.includes(t));
  if (ungated.length) {
    throw invalid(`invalid agent input: approvalRequiredTools: ${ungated.join(', ')} not among the agent's tools`);
  }
}

/** Turns the registry's refusal of a tool name into the same input error the caller would expect. */
export function unknownToolAsInputError(message: string): ApplicationFailure {
  return invalid(`invalid agent input: tools: ${message}`);
}
