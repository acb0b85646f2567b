/** A run as a conversation (model calls, tool calls, decisions, children), read from its Temporal history. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runTranscript } from '../../../client/transcript';
import { keyOf, requireScope } from '../auth';
import type { RouteContext } from '../context';
import { errorBodySchema } from '../errors';
import { linksOf } from '../schemas';
import { anyRunIdParams, transcriptResponse } from '../console-schemas';

export const transcriptRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/runs/:id/transcript',
      {
        schema: {
          summary: 'The run as a conversation, from its history (children listed, each with its own transcript)',
          params: anyRunIdParams,
          response: {
            200: transcriptResponse,
            401: errorBodySchema,
            403: errorBodySchema,
            404: errorBodySchema,
            422: errorBodySchema,
          },
        },
      },
      async (request) => {
        requireScope(keyOf(request), 'runs:read');
        const transcript = await runTranscript(ctx.client.temporal, request.params.id);
        const webUi = linksOf(request.params.id, ctx.webUiUrl, ctx.client.namespace).webUi;
        return { ...transcript, ...(webUi ? { webUiUrl: webUi } : {}) };
      },
    );
  };
