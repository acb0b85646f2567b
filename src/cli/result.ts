/** `agentctl result <id>`: waits for a run to finish and prints its answer, or one line saying why it failed. */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { AgentInput, AgentResult } from '../contracts/agent-contract';
import type { GraphResult } from '../contracts/graph-contract';
import { parseCommandArgs, type CliContext, type Command } from './command';
import { isGraphResult, renderGraphResult } from './graph-output';
import { describeRunFailure, RunFailedError } from './errors';
import { costText } from './cost-output';
import { fields, json, tokens } from './output';

/** The signature of `agentWorkflow`, so handles are typed without importing workflow code into the client. */
export type AgentWorkflow = (input: AgentInput) => Promise<AgentResult>;

/** The run's answer followed by its totals; the structured output, when there is one, as JSON. */
export function renderResult(workflowId: string, result: AgentResult): string {
  const blocks = [result.text.trim() || '(empty answer)'];
  if (result.output !== undefined) blocks.push(`structured output:\n${json(result.output)}`);
  blocks.push(
    fields([
      ['run', workflowId],
      ['steps', `${result.modelCalls} model calls, ${result.toolCalls} tool calls`],
      ['tokens', tokens(result.usage)],
      ['cost', costText(result.cost)],
    ]),
  );
  return blocks.join('\n\n');
}

/** Waits for the run's result and prints it; a run that did not complete becomes a RunFailedError. */
export async function printResult(ctx: CliContext, client: Client, workflowId: string, asJson: boolean): Promise<void> {
  let result: AgentResult | GraphResult;
  try {
    result = (await client.workflow.getHandle(workflowId).result()) as AgentResult | GraphResult;
  } catch (err) {
    if (err instanceof WorkflowFailedError)
      throw new RunFailedError(describeRunFailure(workflowId, err), { cause: err });
    throw err;
  }
  if (asJson) ctx.print(json(result));
  else ctx.print(isGraphResult(result) ? renderGraphResult(workflowId, result) : renderResult(workflowId, result));
}

const args = {
  options: { json: { type: 'boolean' } },
  positionals: ['id'],
  flags: z.object({ json: z.boolean().default(false) }),
} as const;

export const resultCommand: Command = {
  name: 'result',
  usage: 'result <id> [--json]',
  summary: 'wait for a run to finish and print its answer, steps, tokens and cost',
  details: ['--json  print the AgentResult as JSON'],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('result', argv, args);
    const workflowId = positionals[0] as string;
    await printResult(ctx, await ctx.client(), workflowId, flags.json);
  },
};
