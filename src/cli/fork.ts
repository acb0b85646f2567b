/**
 * `agentctl fork <id> --from-step N`: retries a run from a checkpoint with Temporal's workflow reset (the client's
 * `fork`). Steps 1..N-1 come back from history and are not executed again; step N runs afresh.
 */
import { z } from 'zod';
import { parseCommandArgs, type Command } from './command';
import { fields, webUiLink } from './output';

const args = {
  options: { 'from-step': { type: 'string' }, reason: { type: 'string' } },
  positionals: ['id'],
  flags: z.object({
    'from-step': z.coerce
      .number({ error: 'is required: the step to run again (1 is the first model call)' })
      .int('must be a whole number')
      .min(1, 'must be at least 1'),
    reason: z.string().trim().min(1, 'must not be empty').max(1000).optional(),
  }),
} as const;

export const forkCommand: Command = {
  name: 'fork',
  usage: 'fork <id> --from-step N [--reason TEXT]',
  summary: 'retry a run from step N (a Temporal reset): steps before N are not executed again',
  details: [
    '--from-step N   the step to run again (as agentctl status numbers them); steps before N are kept',
    '                (for a graph run: the Nth model call of the graph itself, its llm and router nodes)',
    '--reason TEXT   why, kept in the run history (default: agentctl fork from step N)',
    'The run keeps its workflow id and gets a new run id; the previous run is terminated if it was open.',
    'Signals sent after the checkpoint (approvals) are not re-applied: decide again in the new run.',
    'A run that continued as new can be forked from the steps of its latest run only.',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('fork', argv, args);
    const workflowId = positionals[0] as string;
    const step = flags['from-step'];
    const forked = await (
      await ctx.client()
    ).fork(workflowId, { fromStep: step, reason: flags.reason ?? `agentctl fork from step ${step}` });
    ctx.print(
      [
        `forked ${workflowId} from step ${step}`,
        fields([
          ['new run id', forked.runId || '?'],
          ['previous run', forked.previousRunId],
          ['reset to event', forked.resetToEventId],
          ['web ui', webUiLink(ctx.settings.webUiUrl, ctx.settings.namespace, workflowId)],
        ]),
        `\nnext: agentctl watch ${workflowId}`,
      ].join('\n'),
    );
  },
};
