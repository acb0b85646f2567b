/** What can be started: the catalog's agents and the shipped graphs. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { shippedGraphs } from '../../../agents/graphs';
import { keyOf, requireScope } from '../auth';
import type { RouteContext } from '../context';
import { errorBodySchema } from '../errors';
import { agentsResponse, graphsResponse } from '../schemas';

export const catalogRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    const errors = { 401: errorBodySchema, 403: errorBodySchema };
    app.get(
      '/v1/agents',
      { schema: { summary: 'Agents that can be started by name', response: { 200: agentsResponse, ...errors } } },
      async (request) => {
        requireScope(keyOf(request), 'runs:read');
        return {
          agents: ctx.client.agents.list().agents.map((a) => ({
            name: a.spec.name,
            description: a.spec.description,
            model: a.spec.model,
            source: a.source,
          })),
        };
      },
    );
    app.get(
      '/v1/graphs',
      {
        schema: { summary: 'Shipped graphs that can be started by name', response: { 200: graphsResponse, ...errors } },
      },
      async (request) => {
        requireScope(keyOf(request), 'runs:read');
        return { graphs: shippedGraphs().map((g) => ({ name: g.name, description: g.description })) };
      },
    );
  };
