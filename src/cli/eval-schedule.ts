/**
 * `agentctl eval schedule`, `eval schedules` and `eval delete`: scheduled evals through the client API (a Temporal
 * Schedule that samples an agent's completed runs every interval, scores them and alerts on a falling score).
 */
import { z } from 'zod';
import { scorerSpecSchema, type ScorerSpec } from '../contracts/evals/scorers';
import { evalScheduleInputSchema, scheduleIdSchema } from '../contracts/evals/schedule';
import { parseCommandArgs, type Command } from './command';
import { table, timestamp } from './output';
import { UsageError } from './errors';

/** `--scorer` values: JSON (`{"type":"contains","values":["Paris"]}`) or `type:value` for the simple ones. */
export function parseScorerFlag(text: string): ScorerSpec {
  let raw: unknown;
  if (text.trim().startsWith('{')) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--scorer: not valid JSON (${(err as Error).message})`);
    }
  } else {
    const at = text.indexOf(':');
    const type = at < 0 ? text : text.slice(0, at);
    const value = at < 0 ? '' : text.slice(at + 1);
    const number = Number(value);
    const shapes: Record<string, unknown> = {
      contains: { type, values: [value] },
      regex: { type, pattern: value },
      exact: { type, value },
      maxSteps: { type, max: number },
      maxCostUsd: { type, max: number },
      maxSeconds: { type, max: number },
      toolCalled: { type, tool: value },
      toolNotCalled: { type, tool: value },
      custom: { type, scorer: value },
    };
    if (!(type in shapes)) {
      throw new UsageError(`--scorer: "${type}" is not one of ${Object.keys(shapes).join(', ')} (or give JSON)`);
    }
    raw = shapes[type];
  }
  const parsed = scorerSpecSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `--scorer ${text}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

const fraction = (flag: string) =>
  z.coerce
    .number({ error: `${flag} must be a number` })
    .min(0, 'must be from 0 to 1')
    .max(1, 'must be from 0 to 1')
    .optional();

const scheduleArgs = {
  options: {
    every: { type: 'string' },
    sample: { type: 'string' },
    scorer: { type: 'string', multiple: true },
    threshold: { type: 'string' },
    'max-drop': { type: 'string' },
    window: { type: 'string' },
    webhook: { type: 'string' },
    id: { type: 'string' },
  },
  positionals: ['agent'],
  flags: z.object({
    every: z
      .string()
      .regex(/^\d+(s|m|h|d)$/, 'a duration such as 30m, 1h or 1d')
      .default('1h'),
    sample: z.coerce.number({ error: 'must be a number' }).int().min(1).max(100).default(10),
    scorer: z.array(z.string()).min(1, 'give at least one --scorer'),
    threshold: fraction('--threshold'),
    'max-drop': fraction('--max-drop'),
    window: z.coerce.number({ error: 'must be a number' }).int().min(1).max(500).default(20),
    webhook: z.string().min(1).max(200).optional(),
    id: scheduleIdSchema.optional(),
  }),
} as const;

export const evalScheduleCommand: Command = {
  name: 'eval schedule',
  usage: 'eval schedule <agent> --scorer SPEC [--every 1h] [--sample N] [--threshold X] [--max-drop Y] [--id ID]',
  summary: "score a sample of an agent's completed runs on a schedule; alert when the rolling score falls",
  details: [
    '--scorer SPEC     JSON scorer spec or type:value (contains:Paris, regex:^ok, maxSteps:3, custom:NAME); repeatable',
    '--every 1h        how often (s, m, h, d)',
    '--sample N        most runs scored per tick (default 10; runs already scored are skipped)',
    '--threshold X     alert when the rolling mean falls below X (0 to 1)',
    '--max-drop Y      alert when the rolling mean is more than Y below its baseline (first window of scores)',
    '--window N        scores in the rolling mean (default 20)',
    '--webhook NAME    a webhook subscription of the worker told of each alert (event eval.alert)',
    '--id ID           the schedule id (default eval-<agent>)',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('eval schedule', argv, scheduleArgs);
    const agent = positionals[0] as string;
    const scheduleId = flags.id ?? `eval-${agent}`;
    // Every flag is checked before any connection is made.
    const parsed = evalScheduleInputSchema.safeParse({
      scheduleId,
      agent,
      sample: flags.sample,
      scorers: flags.scorer.map(parseScorerFlag),
      window: flags.window,
      ...(flags.threshold !== undefined ? { threshold: flags.threshold } : {}),
      ...(flags['max-drop'] !== undefined ? { maxDrop: flags['max-drop'] } : {}),
      ...(flags.webhook ? { webhook: flags.webhook } : {}),
    });
    if (!parsed.success) {
      throw new UsageError(
        `eval schedule: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const input = await (await ctx.client()).scheduleEval(parsed.data, flags.every);
    ctx.print(`scheduled eval ${input.scheduleId}: ${input.agent} every ${flags.every}, ${input.sample} runs a tick`);
  },
};

export const evalSchedulesCommand: Command = {
  name: 'eval schedules',
  usage: 'eval schedules',
  summary: 'list scheduled evals',
  async run(ctx, argv) {
    parseCommandArgs('eval schedules', argv, { options: {}, positionals: [], flags: z.object({}) });
    const schedules = await (await ctx.client()).evalSchedules();
    if (!schedules.length) {
      ctx.print('no scheduled evals');
      return;
    }
    ctx.print(
      table(schedules, [
        { header: 'ID', value: (s) => s.scheduleId },
        { header: 'AGENT', value: (s) => s.agent ?? '' },
        { header: 'EVERY', value: (s) => s.every ?? '' },
        { header: 'STATE', value: (s) => (s.paused ? 'paused' : 'active') },
        { header: 'LAST RUN', value: (s) => timestamp(s.recentRuns[0]) },
        { header: 'NEXT RUN', value: (s) => timestamp(s.nextRun) },
      ]),
    );
  },
};

export const evalDeleteCommand: Command = {
  name: 'eval delete',
  usage: 'eval delete <id>',
  summary: 'delete a scheduled eval (its recorded scores stay)',
  async run(ctx, argv) {
    const { positionals } = parseCommandArgs('eval delete', argv, {
      options: {},
      positionals: ['id'],
      flags: z.object({}),
    });
    const id = scheduleIdSchema.safeParse(positionals[0]);
    if (!id.success) throw new UsageError(`eval delete: <id> ${id.error.issues[0]?.message}`);
    await (await ctx.client()).deleteEvalSchedule(id.data);
    ctx.print(`deleted scheduled eval ${id.data}`);
  },
};
