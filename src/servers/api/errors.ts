/**
 * The one error shape of the HTTP API, `{ error: { code, message, details? } }`, with stable codes and never a
 * stack. Client errors (their ClientErrorCode) and Temporal's "not found" map to HTTP statuses here, in one table.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgentClientError, ClientErrorCode } from '../../client/errors';
import { WorkflowNotFoundError } from '../../client/temporal-errors';
import { UserError } from '../../contracts/errors';

/** Every `code` the API answers with, beside the client's own (UNKNOWN_APPROVAL, INVALID_INPUT…). */
export const ApiErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  RunNotFound: 'RUN_NOT_FOUND',
  NotFound: 'NOT_FOUND',
  ConsoleNotBuilt: 'CONSOLE_NOT_BUILT',
  MalformedBody: 'MALFORMED_BODY',
  InvalidRequest: 'INVALID_REQUEST',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  RateLimited: 'RATE_LIMITED',
  TemporalUnavailable: 'TEMPORAL_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;

/** The error body every failing route answers with. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable; switch on it (the message is for people and may change).'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** An error a route throws to answer with a given status and code. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The HTTP status of each client error code. */
const clientStatus: Record<ClientErrorCode, number> = {
  [ClientErrorCode.UnknownAgent]: 422,
  [ClientErrorCode.InvalidInput]: 422,
  [ClientErrorCode.NoWorker]: 503,
  [ClientErrorCode.RunNotOpen]: 409,
  // Routes read outcomes (never throwing for a failed run); a result asked of a failed run is a conflict.
  [ClientErrorCode.RunFailed]: 409,
  [ClientErrorCode.StateUnavailable]: 503,
  [ClientErrorCode.NoPendingApproval]: 409,
  [ClientErrorCode.UnknownApproval]: 404,
  [ClientErrorCode.ApprovalAlreadyDecided]: 409,
  [ClientErrorCode.ApprovalNoLongerPending]: 409,
  [ClientErrorCode.AmbiguousApproval]: 409,
  [ClientErrorCode.InvalidArguments]: 422,
  [ClientErrorCode.InvalidDecision]: 422,
  [ClientErrorCode.DecisionRefused]: 403,
  [ClientErrorCode.DecisionTimedOut]: 504,
  [ClientErrorCode.ForkUnavailable]: 409,
  [ClientErrorCode.RetryUnavailable]: 409,
  [ClientErrorCode.TokensUnavailable]: 503,
};

/** The status, code and message an error is answered with. */
export function describeError(err: unknown): { status: number; code: string; message: string; details?: unknown } {
  if (err instanceof ApiError) {
    return { status: err.statusCode, code: err.code, message: err.message, details: err.details };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const details = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message }));
    return {
      status: 422,
      code: ApiErrorCode.InvalidRequest,
      message: `the request is invalid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
      details,
    };
  }
  if (err instanceof AgentClientError)
    return { status: clientStatus[err.code] ?? 422, code: err.code, message: err.message };
  if (err instanceof WorkflowNotFoundError)
    return { status: 404, code: ApiErrorCode.RunNotFound, message: 'no such run' };
  if (err instanceof UserError) return { status: 422, code: ApiErrorCode.InvalidRequest, message: err.message };
  const fastifyError = err as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyError.statusCode === 413) {
    return { status: 413, code: ApiErrorCode.PayloadTooLarge, message: 'the request body is larger than allowed' };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Unparseable JSON, a wrong content type, an empty body: Fastify's own 4xx refusals of the body.
    const code = fastifyError.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : ApiErrorCode.MalformedBody;
    return { status: fastifyError.statusCode, code, message: fastifyError.message ?? 'malformed request' };
  }
  return { status: 500, code: ApiErrorCode.Internal, message: 'internal error' };
}

/** Installs the error and not-found handlers; unexpected errors are logged, never shown. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, code, message, details } = describeError(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    void reply.status(status).send({ error: { code, message, ...(details !== undefined ? { details } : {}) } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: { code: ApiErrorCode.NotFound, message: `no route ${request.method} ${request.url.split('?')[0]}` },
    });
  });
}
