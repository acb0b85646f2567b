/** `agentctl result <id>`: waits for a run to finish and prints its answer, or one line saying why it failed. */
import { z } from 'zod';
import type { AgentClient } from '../client/agent-client';
import { isGraphResult } from '../client/types';
import type { AgentResult } from '../contracts/agent-contract';
import { parseCommandArgs, type CliContext, type Command } from './command';
import { RunStoppedShortError } from './errors';
import { renderGraphResult } from './graph-output';
import { costText } from './cost-output';
import { fields, json, textOf, tokens } from './output';

/** The run's answer followed by its totals; the structured output, when there is one, as JSON. */
export function renderResult(workflowId: string, result: AgentResult): string {
  const blocks = [textOf(result.text).trim() || '(empty answer)'];
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

/**
 * Waits for the run's result and prints it. A run that did not complete throws the client's RunFailedError (exit 1);
 * a graph that ended rejected, limit_reached or budget_exceeded is printed and then throws RunStoppedShortError (exit 3).
 */
export async function printResult(
  ctx: CliContext,
  client: AgentClient,
  workflowId: string,
  asJson: boolean,
): Promise<void> {
  const outcome = await client.outcome(workflowId);
  if (outcome.outcome !== 'completed') throw outcome.error;
  const result = outcome.result;
  if (asJson) ctx.print(json(result));
  else ctx.print(isGraphResult(result) ? renderGraphResult(workflowId, result) : renderResult(workflowId, result));
  if (isGraphResult(result) && result.status !== 'completed') {
    throw new RunStoppedShortError(
      `run ${workflowId} ended ${result.status}${result.reason ? `: ${textOf(result.reason)}` : ''}`,
    );
  }
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
  details: [
    '--json  print the AgentResult (or GraphResult) as JSON',
    'Exits 0 when the run completed, 1 when it failed, was cancelled, terminated or timed out,',
    '3 when a graph ended rejected, limit_reached or budget_exceeded (its result is printed first).',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('result', argv, args);
    const workflowId = positionals[0] as string;
    await printResult(ctx, await ctx.client(), workflowId, flags.json);
  },
};
