/** Liveness (the process answers) and readiness (Temporal answers); neither needs a key. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RouteContext } from '../context';
import { ApiError, ApiErrorCode, errorBodySchema } from '../errors';
import { healthResponse, readyResponse } from '../schemas';

export const healthRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/healthz', { schema: { summary: 'The process is up', response: { 200: healthResponse } } }, async () => ({
      status: 'ok' as const,
    }));
    app.get(
      '/readyz',
      { schema: { summary: 'Temporal is reachable', response: { 200: readyResponse, 503: errorBodySchema } } },
      async () => {
        try {
          await ctx.client.temporal.connection.withDeadline(Date.now() + 3000, () =>
            ctx.client.temporal.workflowService.describeNamespace({ namespace: ctx.client.namespace }),
          );
        } catch {
          throw new ApiError(503, ApiErrorCode.TemporalUnavailable, 'Temporal is not reachable');
        }
        return { status: 'ready' as const, namespace: ctx.client.namespace };
      },
    );
  };
