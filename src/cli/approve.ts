/** `agentctl approve <id>`: sends the `approve` signal that lets a waiting tool call run. */
import { z } from 'zod';
import { approvalDecisionSchema, approveSignal } from '../common/agent-contract';
import { UserError } from '../common/errors';
import { defaultDecider, sendDecision } from './approval';
import { parseCommandArgs, type Command } from './command';

const args = {
  options: { approval: { type: 'string' }, by: { type: 'string' }, comment: { type: 'string' } },
  positionals: ['id'],
  flags: z.object({ approval: z.string().optional(), by: z.string().optional(), comment: z.string().optional() }),
} as const;

export const approveCommand: Command = {
  name: 'approve',
  usage: 'approve <id> [--approval ID] [--by NAME] [--comment TEXT]',
  summary: 'approve a pending tool call (the oldest one unless --approval names it)',
  details: [
    '--approval ID   the approval to answer (see agentctl status); default: the oldest pending one',
    '--by NAME       who approves (default: your OS user name)',
    '--comment TEXT  a note kept with the decision',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('approve', argv, args);
    const payload = approvalDecisionSchema.safeParse({
      approvalId: flags.approval,
      by: flags.by ?? defaultDecider(),
      comment: flags.comment,
    });
    if (!payload.success) {
      throw new UserError(
        `approve: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    await sendDecision(ctx, positionals[0] as string, 'approve', approveSignal, payload.data);
  },
};
