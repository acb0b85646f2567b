/** `agentctl start <graph | spec file>`: the spec and the input are validated first, then a `graphWorkflow` run starts. */
import { assertWithinPayloadLimit } from '../client/payload-limit';
import { graphValuesOf } from '../client/start';
import { graphInputFromText } from '../contracts/graph-input';
import type { GraphSpec } from '../contracts/graph-spec';
import type { CliContext } from './command';
import { fields, webUiLink } from './output';
import { afterStart, type StartFlags } from './after-start';
import { assertPricedUnderBudget } from './price-check';
import { graphModels } from '../contracts/priced-models';

export async function startGraph(ctx: CliContext, spec: GraphSpec, flags: StartFlags): Promise<void> {
  // Checked before any connection (the spec was validated when loaded): a bad input never starts a run.
  const values = graphValuesOf(spec, flags.input === undefined ? undefined : graphInputFromText(spec, flags.input));
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
