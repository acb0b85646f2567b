/** `agentctl start <graph | spec file>`: validates the spec first, then starts a `graphWorkflow` run. */
import { randomBytes } from 'node:crypto';
import { loadGraphSpec } from '../agents/graphs';
import { UserError } from '../contracts/errors';
import { GRAPH_WORKFLOW_TYPE, type GraphInput, type GraphResult } from '../contracts/graph-contract';
import { agentNameKey } from '../contracts/search-attributes';
import type { CliContext } from './command';
import { fields, truncate, webUiLink } from './output';
import { assertWithinPayloadLimit } from './payload-limit';
import { assertPricedUnderBudget } from './price-check';
import { graphModels } from '../contracts/priced-models';
import { printResult } from './result';

function graphInputValues(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new UserError(`--input is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError('--input for a graph must be a JSON object of state values, e.g. {"topic":"…"}');
  }
  return parsed as Record<string, unknown>;
}

export async function startGraph(
  ctx: CliContext,
  nameOrPath: string,
  flags: { input?: string; id?: string; 'task-queue'?: string; wait: boolean },
): Promise<void> {
  // Both checks happen before any connection: a bad spec or input never starts a run.
  const spec = loadGraphSpec(nameOrPath);
  const values = graphInputValues(flags.input);
  const undeclared = Object.keys(values).filter((k) => !(k in spec.state));
  if (undeclared.length) {
    throw new UserError(
      `--input: ${undeclared.join(', ')} not declared under state in ${spec.name} (declared: ${Object.keys(spec.state).join(', ')})`,
    );
  }
  const workflowId = flags.id ?? `${spec.name}-${randomBytes(4).toString('hex')}`;
  const taskQueue = flags['task-queue'] ?? ctx.settings.taskQueue;
  const input: GraphInput = { spec, input: values };
  assertWithinPayloadLimit(input, `the graph input (spec ${spec.name} and --input)`);
  assertPricedUnderBudget(graphModels(spec), spec.budget, `graph ${spec.name}`);
  const client = await ctx.client();
  await client.workflow.start<(input: GraphInput) => Promise<GraphResult>>(GRAPH_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    args: [input],
    staticSummary: truncate(`graph ${spec.name} · ${spec.description}`, 200),
    typedSearchAttributes: [{ key: agentNameKey, value: spec.name }],
  });
  ctx.print(
    [
      `started ${workflowId}`,
      fields([
        ['graph', spec.name],
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
}
