/** What `agentctl start` does once a run (agent or graph) has started: say where it is, or wait for it. */
import type { MissingWorker } from '../client/errors';
import type { StartedRun } from '../client/start';
import { UserError } from '../contracts/errors';
import type { CliContext } from './command';
import { printResult } from './result';

/** The flags `start` passes on to a graph start. */
export interface StartFlags {
  input?: string;
  id?: string;
  'task-queue'?: string;
  wait: boolean;
}

/**
 * What follows a start: the next commands to run, or (with --wait) the result. A queue nobody polls is said at
 * once; with --wait the command then stops instead of waiting in silence for a worker that may never come.
 */
export async function afterStart(ctx: CliContext, started: StartedRun, wait: boolean): Promise<void> {
  for (const missing of started.warnings)
    ctx.warn(`warning: ${missing.message}; run ${started.workflowId} waits until one does`);
  if (wait && started.warnings.length) {
    throw new UserError(
      `not waiting for run ${started.workflowId}: ${started.warnings.map((m: MissingWorker) => m.message).join('; ')}. ` +
        `It was started and will run once a worker polls; follow it with agentctl result ${started.workflowId}`,
    );
  }
  if (wait) {
    ctx.print('');
    await printResult(ctx, await ctx.client(), started.workflowId, false);
  } else {
    ctx.print(`\nnext: agentctl status ${started.workflowId}   ·   agentctl result ${started.workflowId}`);
  }
}
