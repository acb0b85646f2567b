/** `agentctl start <agent>`: starts one shipped agent as an `agentWorkflow` run and prints where to watch it. */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { findAgent } from '../agents';
import { isGraphReference } from '../agents/graphs';
import { startGraph } from './start-graph';
import { AGENT_WORKFLOW_TYPE, type AgentInput } from '../contracts/agent-contract';
import { modelIdSchema } from '../contracts/model-id';
import { agentNameKey } from '../contracts/search-attributes';
import { buildAgentInput, unknownAgentError } from './agent-input';
import { parseCommandArgs, type Command } from './command';
import { fields, oneLine, truncate, webUiLink } from './output';
import { assertWithinPayloadLimit } from './payload-limit';
import { assertPricedUnderBudget } from './price-check';
import { agentModels } from '../contracts/priced-models';
import { printResult, type AgentWorkflow } from './result';

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

/** `<agent>-<8 hex digits>`: readable in lists, unique enough for one person's runs. */
const generatedId = (agent: string): string => `${agent}-${randomBytes(4).toString('hex')}`;

/** The one-line summary the Web UI shows for the run. */
function summaryOf(input: AgentInput): string {
  return truncate(`${input.agent} · ${input.model} · ${oneLine(input.input)}`, 200);
}

export const startCommand: Command = {
  name: 'start',
  usage:
    'start <agent | graph | spec file> [--input TEXT|JSON] [--id ID] [--model provider:model] [--task-queue Q] [--wait]',
  summary: 'start a shipped agent or a graph (shipped name or spec file) and print its id and Web UI link',
  details: [
    '--input TEXT|JSON       the request: plain text, a JSON string, or {"input"|"topic"|"question": "..."}',
    "                        (default: the agent's example input)",
    '--id ID                 workflow id (default: <agent>-<random>)',
    "--model provider:model  override the agent's model, e.g. mock:research-assistant, openai:gpt-4o-mini",
    '--task-queue Q          task queue of the workers (default: TEMPORAL_TASK_QUEUE or durable-agents)',
    '--wait                  wait for the run and print its result',
  ],
  async run(ctx, argv) {
    const { positionals, flags } = parseCommandArgs('start', argv, args);
    const agentName = positionals[0] as string;
    const spec = findAgent(agentName);
    if (!spec) {
      if (isGraphReference(agentName)) return startGraph(ctx, agentName, flags);
      throw unknownAgentError(agentName);
    }
    const input = buildAgentInput(spec, { input: flags.input, model: flags.model });
    const workflowId = flags.id ?? generatedId(spec.name);
    const taskQueue = flags['task-queue'] ?? ctx.settings.taskQueue;
    assertWithinPayloadLimit(input, `the input of ${spec.name}`);
    assertPricedUnderBudget(agentModels(input), input.budget, `agent ${spec.name}`);

    const client = await ctx.client();
    await client.workflow.start<AgentWorkflow>(AGENT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [input],
      staticSummary: summaryOf(input),
      typedSearchAttributes: [{ key: agentNameKey, value: spec.name }],
    });

    ctx.print(
      [
        `started ${workflowId}`,
        fields([
          ['agent', spec.name],
          ['model', input.model],
          ['task queue', taskQueue],
          ['web ui', webUiLink(ctx.settings.webUiUrl, ctx.settings.namespace, workflowId)],
        ]),
      ].join('\n'),
    );
    if (flags.wait) {
      ctx.print('');
      await printResult(ctx, client, workflowId, false);
    } else {
      ctx.print(`\nnext: agentctl status ${workflowId}   ·   agentctl result ${workflowId}`);
    }
  },
};
