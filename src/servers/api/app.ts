/**
 * The HTTP API's app factory. Fastify because its routes are schema first: with fastify-type-provider-zod the
 * same zod schemas validate each request, serialize each response and, through @fastify/swagger, make the
 * OpenAPI 3.1 document at GET /openapi.json, so the three can never disagree. Every route talks to Temporal
 * through the AgentClient only; the API keeps no state of its own. No environment is read here (see cli.ts).
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { AgentClient } from '../../client/agent-client';
import { authenticate, type ApiKey } from './auth';
import type { RouteContext } from './context';
import { ApiError, ApiErrorCode, installErrorHandlers } from './errors';
import { approvalRoutes } from './routes/approvals';
import { approvalsInboxRoutes } from './routes/approvals-inbox';
import { catalogRoutes } from './routes/catalog';
import { consoleRoutes } from './routes/console';
import { costRoutes } from './routes/costs';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { meRoutes } from './routes/me';
import { runRoutes } from './routes/runs';
import { transcriptRoutes } from './routes/transcript';

/** Per-key request limits. */
export interface ApiLimits {
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Requests per key per window (default 600). */
  rateLimitMax?: number;
  /** The rate limit's window in ms (default 60 000). */
  rateLimitWindowMs?: number;
}

/** Options of `createApiServer`. */
export interface ApiServerOptions {
  client: AgentClient;
  /** The accepted keys (hashes, scopes, names); an empty list refuses every /v1 request. */
  keys: readonly ApiKey[];
  limits?: ApiLimits;
  /** Origins allowed by CORS; none (the default) leaves CORS off. */
  corsOrigins?: string[];
  /** The Temporal Web UI's base URL, for each run's `webUi` link. */
  webUiUrl?: string;
  /** A pino-compatible logger, or false for none (default false). */
  logger?: FastifyInstance['log'] | boolean;
  /** SSE heartbeat interval (default 15 s) and poll interval of followed runs (default 500 ms). */
  heartbeatMs?: number;
  pollIntervalMs?: number;
  /**
   * A folder of the built agent console (index.html and its assets), served under /console; without it
   * /console answers 404 CONSOLE_NOT_BUILT.
   */
  consoleDir?: string;
}

/** Builds the API (not yet listening): call `listen({ host, port })` on it. */
export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const limits = options.limits ?? {};
  const app = Fastify({
    bodyLimit: limits.bodyLimitBytes ?? 1024 * 1024,
    ...(typeof options.logger === 'object' ? { loggerInstance: options.logger } : { logger: options.logger ?? false }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'durable-agents API',
        version: '1',
        description: 'Start agent and graph runs, follow them, decide their approvals. See docs/api.md.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  if (options.corsOrigins?.length) await app.register(cors, { origin: options.corsOrigins });

  const keys = options.keys;
  // Authentication runs first on every /v1 route, so the rate limit below counts per key.
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/')) return;
    request.apiKey = authenticate(request, keys);
  });
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: limits.rateLimitMax ?? 600,
    timeWindow: limits.rateLimitWindowMs ?? 60_000,
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.name}` : `ip:${request.ip}`),
    allowList: (request) => !request.url.startsWith('/v1/'),
    errorResponseBuilder: (_request, context) => {
      return new ApiError(
        429,
        ApiErrorCode.RateLimited,
        `rate limit of ${context.max} requests per ${context.after} reached`,
      );
    },
  });

  const ctx: RouteContext = {
    client: options.client,
    ...(options.webUiUrl ? { webUiUrl: options.webUiUrl } : {}),
    heartbeatMs: options.heartbeatMs ?? 15_000,
    pollIntervalMs: options.pollIntervalMs ?? 500,
  };
  await app.register(healthRoutes(ctx));
  await app.register(catalogRoutes(ctx));
  await app.register(runRoutes(ctx));
  await app.register(eventRoutes(ctx));
  await app.register(approvalRoutes(ctx));
  await app.register(meRoutes());
  await app.register(transcriptRoutes(ctx));
  await app.register(approvalsInboxRoutes(ctx));
  await app.register(costRoutes(ctx));
  await app.register(consoleRoutes(options.consoleDir));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
