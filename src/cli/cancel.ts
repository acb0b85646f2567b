/** `agentctl cancel <id>`: asks the run to cancel; the workflow records status `cancelled` and stops. */
import { z } from 'zod';
import { parseCommandArgs, type Command } from './command';

const args = { options: {}, positionals: ['id'], flags: z.object({}) } as const;

export const cancelCommand: Command = {
  name: 'cancel',
  usage: 'cancel <id>',
  summary: 'cancel a run (in-flight model and tool calls are cancelled too)',
  async run(ctx, argv) {
    const { positionals } = parseCommandArgs('cancel', argv, args);
    const workflowId = positionals[0] as string;
    await (await ctx.client()).cancel(workflowId);
    ctx.print(`cancellation requested for ${workflowId}; agentctl status ${workflowId} shows when it has stopped`);
  },
};
