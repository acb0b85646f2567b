/** `agentctl approve <id>`: approves a pending tool call or graph gate through the `decide` update. */
import { z } from 'zod';
import { approvalDecisionSchema } from '../contracts/agent-contract';
import { UserError } from '../contracts/errors';
import { decisionLine, defaultDecider } from './approval';
import { parseCommandArgs, type Command } from './command';

/** `--args` is a JSON object; its fit to the tool's schema is checked by the workflow's validator. */
const editedArguments = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.unknown(), { error: 'must be a JSON object of tool arguments' }));

const args = {
  options: {
    approval: { type: 'string' },
    by: { type: 'string' },
    comment: { type: 'string' },
    args: { type: 'string' },
  },
  positionals: ['id'],
  flags: z.object({
    approval: z.string().trim().min(1, 'must not be empty').optional(),
    by: z.string().optional(),
    comment: z.string().optional(),
    args: editedArguments.optional(),
  }),
} as const;

export const approveCommand: Command = {
  name: 'approve',
  usage: 'approve <id> [--approval ID] [--by NAME] [--comment TEXT] [--args JSON]',
  summary: 'approve a pending tool call or gate (at the root run too when a child raised it); answers synchronously',
  details: [
    '--approval ID   the approval to answer (see agentctl status); needed when more than one is pending',
    '--by NAME       who approves (default: your OS user name)',
    '--comment TEXT  a note kept with the decision',
    "--args JSON     run the tool with these edited arguments instead (checked against the tool's schema)",
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('approve', argv, args);
    const payload = approvalDecisionSchema.safeParse({
      approvalId: flags.approval,
      by: flags.by ?? defaultDecider(),
      comment: flags.comment,
      arguments: flags.args,
    });
    if (!payload.success) {
      throw new UserError(
        `approve: ${payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const workflowId = positionals[0] as string;
    const { approvalId, by, comment, arguments: edited } = payload.data;
    const outcome = await (
      await ctx.client()
    ).approve(workflowId, {
      ...(approvalId !== undefined ? { approvalId } : {}),
      ...(by !== undefined ? { by } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(edited !== undefined ? { args: edited } : {}),
    });
    ctx.print(decisionLine(workflowId, outcome));
  },
};
