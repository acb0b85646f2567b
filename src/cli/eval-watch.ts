/**
 * `agentctl watch <id>` of an `evalWorkflow`: the eval's progress from its `state` query until it closes, then its
 * terminal report. Exit 0 when the eval completed, 1 when it failed, was cancelled, terminated or timed out.
 */
import { EVAL_WORKFLOW_TYPE } from '../contracts/evals/contract';
import type { CliContext } from './command';
import { followEval } from './eval-progress';
import { evalTable } from './eval-report/terminal';
import { outputWidth } from './output';
import type { SpinnerOutput } from './spinner';

/**
 * True when the id names an eval. A failure to describe (an unknown id) is left to the run watch, which reports it
 * as it always has; a failure to connect is the command's, at once (not once here and again there).
 */
export async function isEvalWorkflow(ctx: CliContext, workflowId: string): Promise<boolean> {
  const client = await ctx.client();
  try {
    return (await client.describe(workflowId)).type === EVAL_WORKFLOW_TYPE;
  } catch {
    return false;
  }
}

/** Follows the eval to its end and prints its report; throws RunFailedError when it did not complete. */
export async function watchEval(
  ctx: CliContext,
  workflowId: string,
  options: { intervalMs: number; spinner: SpinnerOutput & { columns?: number } },
): Promise<void> {
  const client = await ctx.client();
  ctx.print(`watching ${workflowId}: eval`);
  const result = await followEval(client, workflowId, {
    intervalMs: options.intervalMs,
    print: ctx.print,
    spinner: options.spinner,
  });
  ctx.print(evalTable(result, outputWidth(options.spinner)));
}
