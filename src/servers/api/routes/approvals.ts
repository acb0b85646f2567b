/** Deciding an approval through the `decide` update; the approver is the API key's name, never a request field. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { InvalidDecisionError } from '../../../client/errors';
import { keyOf, requireScope } from '../auth';
import type { RouteContext } from '../context';
import { errorBodySchema } from '../errors';
import { approvalParams, decisionBody, decisionResponse } from '../schemas';

export const approvalRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/v1/runs/:id/approvals/:approvalId',
      {
        schema: {
          summary: 'Approve or reject a pending approval (synchronous answer from the run)',
          params: approvalParams,
          body: decisionBody,
          response: {
            200: decisionResponse,
            400: errorBodySchema,
            413: errorBodySchema,
            401: errorBodySchema,
            403: errorBodySchema,
            404: errorBodySchema,
            409: errorBodySchema,
            422: errorBodySchema,
          },
        },
      },
      async (request) => {
        const key = keyOf(request);
        requireScope(key, 'approvals:decide');
        const { id, approvalId } = request.params;
        const { decision, comment, args } = request.body;
        // The client signs for `by` when AGENT_APPROVAL_SECRET is set, so the signature names this key's holder.
        const by = key.name;
        if (decision === 'reject' && args !== undefined) {
          throw new InvalidDecisionError('args: edited arguments go with an approval, not a rejection');
        }
        const outcome =
          decision === 'approve'
            ? await ctx.client.approve(id, {
                approvalId,
                by,
                ...(comment !== undefined ? { comment } : {}),
                ...(args !== undefined ? { args } : {}),
              })
            : await ctx.client.reject(id, { approvalId, by, reason: comment ?? `rejected by ${by}` });
        return {
          approvalId: outcome.approvalId,
          decision,
          by,
          ...(outcome.what ? { what: outcome.what } : {}),
          ...(outcome.forwardedTo ? { forwardedTo: outcome.forwardedTo } : {}),
        };
      },
    );
  };
