/** Where a graph goes after a node: a static edge, the first matching rule, or a model's validated pick. */
import type { RoutingDecision } from '../../contracts/graph-contract';
import type { Edge } from '../../contracts/graph-spec';
import { renderTemplate } from '../../contracts/graph-rules';
import { routeByModel, routeByRule } from '../blocks';
import type { GraphRun } from './run-state';

export async function nextNode(run: GraphRun, from: string, edge: Edge): Promise<RoutingDecision> {
  const step = run.step;
  if (typeof edge === 'string') return { step, from, to: edge, by: 'static', reason: 'static edge' };
  if ('rules' in edge) {
    const routed = routeByRule(edge.rules, edge.default, run.values);
    return { step, from, to: routed.to, by: routed.matched ? 'rule' : 'default', reason: routed.reason };
  }
  const { router } = edge;
  run.enforceBudget();
  const routed = await routeByModel({
    model: router.model,
    instructions: router.instructions,
    input: renderTemplate(router.input, run.values),
    options: router.options,
    fallback: router.fallback,
    summary: `router ${router.model} · after ${from} · step ${step}`,
    ...run.priced(),
  });
  run.recordModelUsage(router.model, `${from}.router`, routed.usage, {
    ...(routed.calls ? { calls: routed.calls } : {}),
    ...(routed.price ? { price: routed.price } : {}),
  });
  return { step, from, to: routed.to, by: routed.byModel ? 'router' : 'fallback', reason: routed.reason };
}
