/** `agentctl start <graph | spec file>`: validates the spec first, then starts a `graphWorkflow` run. */
import { assertWithinPayloadLimit } from '../client/payload-limit';
import { graphSpecOf, graphValuesOf } from '../client/start';
import { UserError } from '../contracts/errors';
import type { CliContext } from './command';
import { fields, webUiLink } from './output';
import { afterStart, type StartFlags } from './after-start';
import { assertPricedUnderBudget } from './price-check';
import { graphModels } from '../contracts/priced-models';

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

export async function startGraph(ctx: CliContext, nameOrPath: string, flags: StartFlags): Promise<void> {
  // Both checks happen before any connection: a bad spec or input never starts a run.
  const spec = graphSpecOf(nameOrPath);
  const values = graphValuesOf(spec, graphInputValues(flags.input));
  assertWithinPayloadLimit({ spec, input: values }, `the graph input (spec ${spec.name} and --input)`);
  assertPricedUnderBudget(graphModels(spec), spec.budget, `graph ${spec.name}`);
  const client = await ctx.client();
  const started = await client.startGraph(spec, {
    input: values,
    taskQueue: flags['task-queue'] ?? ctx.settings.taskQueue,
    ...(flags.id ? { id: flags.id } : {}),
  });
  ctx.print(
    [
      `started ${started.workflowId}`,
      fields([
        ['graph', started.name],
        ['task queue', started.taskQueue],
        ['web ui', webUiLink(ctx.settings.webUiUrl, ctx.settings.namespace, started.workflowId)],
      ]),
    ].join('\n'),
  );
  await afterStart(ctx, started, flags.wait);
}
