/** `agentctl start <agent>`: starts one shipped agent as an `agentWorkflow` run and prints where to watch it. */
import { z } from 'zod';
import { resolveSpecReference } from '../agents/references';
import { assertWithinPayloadLimit } from '../client/payload-limit';
import { agentInputOf } from '../client/start';
import { modelIdSchema } from '../contracts/model-id';
import { userRequestFrom } from './agent-input';
import { afterStart } from './after-start';
import { parseCommandArgs, type Command } from './command';
import { fields, webUiLink } from './output';
import { startGraph } from './start-graph';
import { assertPricedUnderBudget } from './price-check';
import { agentModels } from '../contracts/priced-models';

const args = {
  options: {
    input: { type: 'string' },
    id: { type: 'string' },
    model: { type: 'string' },
    'task-queue': { type: 'string' },
    wait: { type: 'boolean' },
  },
  positionals: ['agent'],
  flags: z.object({
    input: z.string().optional(),
    id: z
      .string()
      .min(1, 'must not be empty')
      .max(1000)
      .regex(/^\S(.*\S)?$/, 'must not start or end with whitespace')
      .optional(),
    model: modelIdSchema.optional(),
    'task-queue': z.string().trim().min(1, 'must not be empty').optional(),
    wait: z.boolean().default(false),
  }),
} as const;

export const startCommand: Command = {
  name: 'start',
  usage:
    'start <agent | graph | spec file> [--input TEXT|JSON] [--id ID] [--model provider:model] [--task-queue Q] [--wait]',
  summary: 'start an agent or a graph (by name, or a spec file) and print its id and Web UI link',
  details: [
    'agents are found by name among the shipped ones and in AGENT_SPECS_DIR (agentctl agents lists them)',
    '--input TEXT|JSON       agent: plain text, a JSON string, or {"input"|"topic"|"question": "..."}',
    "                        (default: the agent's example input)",
    '                        graph: a JSON object of state values, or text (a JSON string too), which goes',
    '                        into the first state field declared type: string that no node writes',
    '--id ID                 workflow id (default: <agent>-<random>)',
    "--model provider:model  override the agent's model, e.g. mock:research-assistant, openai:gpt-4o-mini",
    '--task-queue Q          task queue of the workers (default: TEMPORAL_TASK_QUEUE or durable-agents)',
    '--wait                  wait for the run and print its result',
    'When no worker polls the task queue, or none serves the model provider, start says so at once',
    '(and --wait exits 1 instead of waiting). With --wait the exit code is that of agentctl result:',
    '0 completed, 1 failed/cancelled/terminated/timed out, 3 a graph that ended rejected, limit_reached or budget_exceeded.',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('start', argv, args);
    // Everything is checked before connecting: a bad name, file or input never opens a connection.
    const target = resolveSpecReference(ctx.agents(), positionals[0] as string);
    if (target.kind === 'graph') return startGraph(ctx, target.spec, flags);
    const spec = target.spec;
    const request = flags.input === undefined ? undefined : userRequestFrom(flags.input);
    const options = {
      ...(request !== undefined ? { input: request } : {}),
      ...(flags.model ? { model: flags.model } : {}),
    };
    const input = agentInputOf(spec, options);
    assertWithinPayloadLimit(input, `the input of ${input.agent}`);
    assertPricedUnderBudget(agentModels(input), input.budget, `agent ${input.agent}`);

    const client = await ctx.client();
    const taskQueue = flags['task-queue'] ?? ctx.settings.taskQueue;
    const started = await client.startAgent(spec, {
      ...options,
      taskQueue,
      ...(flags.id ? { id: flags.id } : {}),
    });
    ctx.print(
      [
        `started ${started.workflowId}`,
        fields([
          ['agent', started.name],
          ['model', started.model ?? input.model],
          ['task queue', started.taskQueue],
          ['web ui', webUiLink(ctx.settings.webUiUrl, ctx.settings.namespace, started.workflowId)],
        ]),
      ].join('\n'),
    );
    await afterStart(ctx, started, flags.wait);
  },
};
