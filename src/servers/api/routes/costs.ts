/** Spend per UTC day, agent and model, from search attributes only. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { costReport } from '../../../client/costs';
import { keyOf, requireScope } from '../auth';
import type { RouteContext } from '../context';
import { errorBodySchema } from '../errors';
import { costsQuery, costsResponse } from '../console-schemas';

export const costRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/costs',
      {
        schema: {
          summary: 'Spend per UTC day (run start), agent and model over the last `days` days',
          querystring: costsQuery,
          response: { 200: costsResponse, 401: errorBodySchema, 403: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request) => {
        requireScope(keyOf(request), 'runs:read');
        const { days, agent } = request.query;
        return costReport(ctx.client.temporal, { days, ...(agent ? { agent } : {}) });
      },
    );
  };
