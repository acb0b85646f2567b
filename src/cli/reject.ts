/** `agentctl reject <id> --reason TEXT`: rejects through the `decide` update; the agent reads the reason. */
import { z } from 'zod';
import { rejectionSchema } from '../contracts/agent-contract';
import { UserError } from '../contracts/errors';
import { decisionLine, defaultDecider } from './approval';
import { parseCommandArgs, type Command } from './command';

const args = {
  options: { approval: { type: 'string' }, by: { type: 'string' }, reason: { type: 'string' } },
  positionals: ['id'],
  flags: z.object({
    approval: z.string().trim().min(1, 'must not be empty').optional(),
    by: z.string().optional(),
    // The model reads the reason in place of the tool's result, so a rejection without one is a dead end.
    reason: z.string({ error: 'is required: say why, the agent reads it' }).trim().min(1, 'must not be empty'),
  }),
} as const;

export const rejectCommand: Command = {
  name: 'reject',
  usage: 'reject <id> [--approval ID] [--by NAME] --reason TEXT',
  summary: 'reject a pending tool call or gate; the agent is told the reason (a graph follows its reject edge)',
  details: [
    '--approval ID  the approval to answer (see agentctl status); needed when more than one is pending',
    '--by NAME      who rejects (default: your OS user name)',
    '--reason TEXT  why (required); the agent reads it instead of the tool result',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('reject', argv, args);
    const payload = rejectionSchema.safeParse({
      approvalId: flags.approval,
      by: flags.by ?? defaultDecider(),
      reason: flags.reason,
    });
    if (!payload.success) {
      throw new UserError(`reject: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const workflowId = positionals[0] as string;
    const { approvalId, by, reason } = payload.data;
    const outcome = await (
      await ctx.client()
    ).reject(workflowId, {
      ...(approvalId !== undefined ? { approvalId } : {}),
      ...(by !== undefined ? { by } : {}),
      reason: reason ?? flags.reason,
    });
    ctx.print(decisionLine(workflowId, outcome));
  },
};
