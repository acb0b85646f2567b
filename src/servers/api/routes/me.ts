/** Who the presented key is: its name (the approver of its decisions) and scopes, so a console can shape its views. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { keyOf } from '../auth';
import { errorBodySchema } from '../errors';
import { meResponse } from '../console-schemas';

export const meRoutes = (): FastifyPluginAsyncZod => async (app) => {
  app.get(
    '/v1/me',
    {
      schema: {
        summary: 'The API key presented: its name and scopes (any valid key)',
        response: { 200: meResponse, 401: errorBodySchema },
      },
    },
    async (request) => {
      const key = keyOf(request);
      return { name: key.name, scopes: [...key.scopes] };
    },
  );
};
