/**
 * `agentctl retry <id>`: retries a run that failed (timed out, was terminated or cancelled) through the client's
 * `retry`: from its failing step when it can be forked, otherwise anew with the same input under a new id.
 */
import { parseCommandArgs, type Command } from './command';
import { fields, webUiLink } from './output';
import { z } from 'zod';

const args = { options: {}, positionals: ['id'], flags: z.object({}) } as const;

export const retryCommand: Command = {
  name: 'retry',
  usage: 'retry <id>',
  summary: 'retry a failed run: from its failing step (a fork), or anew with the same input',
  details: [
    'An agent run is forked from the step it failed in: earlier steps come back from history.',
    'A run that cannot be forked (a graph, no model call yet) starts anew under a new id; the output says which.',
  ],
  async run(ctx, argv) {
    const { positionals } = parseCommandArgs('retry', argv, args);
    const workflowId = positionals[0] as string;
    const retried = await (await ctx.client()).retry(workflowId);
    ctx.print(
      [
        retried.mode === 'fork'
          ? `retried ${workflowId} from step ${retried.fromStep ?? '?'} (fork)`
          : `retried ${workflowId} anew as ${retried.workflowId} (${retried.reason ?? 'no fork possible'})`,
        fields([
          ['workflow id', retried.workflowId],
          ['new run id', retried.runId],
          ['previous run', retried.previousRunId],
          ['web ui', webUiLink(ctx.settings.webUiUrl, ctx.settings.namespace, retried.workflowId)],
        ]),
        `\nnext: agentctl watch ${retried.workflowId}`,
      ].join('\n'),
    );
  },
};
