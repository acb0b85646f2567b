/** `agentctl start <graph | spec file>`: the spec and the input are validated first, then a `graphWorkflow` run starts. */
import { randomBytes } from 'node:crypto';
import { UserError } from '../contracts/errors';
import { GRAPH_WORKFLOW_TYPE, type GraphInput, type GraphResult } from '../contracts/graph-contract';
import { graphInputFromText, stateInputProblems } from '../contracts/graph-input';
import type { GraphSpec } from '../contracts/graph-spec';
import { agentNameKey } from '../contracts/search-attributes';
import type { CliContext } from './command';
import { fields, truncate, webUiLink } from './output';
import { assertWithinPayloadLimit } from './payload-limit';
import { assertPricedUnderBudget } from './price-check';
import { graphModels } from '../contracts/priced-models';
import { printResult } from './result';

export async function startGraph(
  ctx: CliContext,
  spec: GraphSpec,
  flags: { input?: string; id?: string; 'task-queue'?: string; wait: boolean },
): Promise<void> {
  // Checked before any connection (the spec was validated when loaded): a bad input never starts a run.
  const values = flags.input === undefined ? {} : graphInputFromText(spec, flags.input);
  const problems = stateInputProblems(spec.state, values);
  if (problems.length) throw new UserError(`--input for graph ${spec.name}: ${problems.join('; ')}`);
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
