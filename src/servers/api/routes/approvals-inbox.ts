/** The approvals inbox: every approval waiting for a person, across runs. Deciding stays POST .../approvals/:id. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { approvalsInbox } from '../../../client/approvals-inbox';
import { keyOf, requireScope } from '../auth';
import type { RouteContext } from '../context';
import { errorBodySchema } from '../errors';
import { approvalsInboxResponse } from '../console-schemas';

export const approvalsInboxRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/approvals',
      {
        schema: {
          summary: 'Every pending approval across runs (at most 100 runs read)',
          response: { 200: approvalsInboxResponse, 401: errorBodySchema, 403: errorBodySchema },
        },
      },
      async (request) => {
        requireScope(keyOf(request), 'runs:read');
        return approvalsInbox(ctx.client.temporal);
      },
    );
  };
