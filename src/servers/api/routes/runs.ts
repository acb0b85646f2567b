/** Runs: start (with Idempotency-Key), read, list, wait for the result, cancel, retry. */
import crypto from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { shippedGraphs, loadGraphSpec } from '../../../agents/graphs';
import { specKind } from '../../../agents/spec-file';
import { UnknownAgentError, InvalidRunInputError } from '../../../client/errors';
import type { StartedRun } from '../../../client/start';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '../../../client/temporal-errors';
import { agentNameKey } from '../../../contracts/search-attributes';
import type { AgentSpec } from '../../../contracts/agent-spec';
import { parseAgentSpec } from '../../../contracts/agent-spec';
import type { GraphSpecInput } from '../../../contracts/graph-spec';
import type { RunOutcome } from '../../../client/outcome';
import { keyOf, requireScope } from '../auth';
import { errorBodySchema } from '../errors';
import type { RouteContext } from '../context';
import {
  cancelResponse,
  linksOf,
  listQuery,
  listResponse,
  outcomeResponse,
  resultQuery,
  retryResponse,
  runIdParams,
  runResponse,
  startedRunResponse,
  startRunBody,
  stillRunningResponse,
} from '../schemas';

/** Longest a result long poll holds a request open. */
export const MAX_WAIT_MS = 60_000;

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  422: errorBodySchema,
};

/**
 * The workflow id an Idempotency-Key stands for: a hash of the key's name and the header, so two API keys using
 * the same header value never share a run, and the header itself never becomes part of an id.
 */
export function idempotentWorkflowId(keyName: string, idempotencyKey: string): string {
  const digest = crypto.createHash('sha256').update(`${keyName}\u0000${idempotencyKey}`).digest('hex');
  return `api-${digest.slice(0, 32)}`;
}

/** A run's outcome as JSON: the result, or the root cause's message and type (never a stack). */
export function outcomeBody(workflowId: string, outcome: RunOutcome) {
  if (outcome.outcome === 'completed') {
    return {
      workflowId,
      outcome: outcome.outcome,
      status: outcome.status,
      result: outcome.result as unknown as Record<string, unknown>,
    };
  }
  return {
    workflowId,
    outcome: outcome.outcome,
    status: outcome.status,
    error: {
      message: outcome.error.message,
      ...(outcome.error.failureType ? { failureType: outcome.error.failureType } : {}),
    },
  };
}

function parseWait(wait: string | undefined): number {
  if (!wait) return 0;
  const match = /^(\d+)(ms|s)?$/.exec(wait);
  const value = Number(match?.[1] ?? 0) * (match?.[2] === 'ms' ? 1 : 1000);
  return Math.min(value, MAX_WAIT_MS);
}

export const runRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    const { client } = ctx;
    const links = (workflowId: string) => linksOf(workflowId, ctx.webUiUrl, client.namespace);

    app.post(
      '/v1/runs',
      {
        schema: {
          summary: 'Start an agent or graph run',
          headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
          body: startRunBody,
          response: { 202: startedRunResponse, 413: errorBodySchema, 429: errorBodySchema, ...errors },
        },
      },
      async (request, reply) => {
        const key = keyOf(request);
        requireScope(key, 'runs:start');
        const body = request.body;
        const idempotencyKey = request.headers['idempotency-key'];
        const workflowId = idempotencyKey ? idempotentWorkflowId(key.name, idempotencyKey) : body.id;
        const common = {
          ...(workflowId ? { id: workflowId } : {}),
          ...(body.budget ? { budget: body.budget } : {}),
          ...(idempotencyKey ? { idempotent: true } : {}),
        };
        const existingRun = async (id: string) => {
          const description = await client.describe(id);
          return reply.status(202).send({
            workflowId: id,
            runId: description.runId,
            workflowType: description.type,
            name: description.typedSearchAttributes.get(agentNameKey) ?? description.type,
            existing: true,
            warnings: [],
            links: links(id),
          });
        };
        if (idempotencyKey && workflowId) {
          // A retried POST: the key already names a run. (Two at once both reach the start below, whose
          // USE_EXISTING / REJECT_DUPLICATE policies let only one run begin.)
          const known = await client.describe(workflowId).then(
            () => true,
            (err: unknown) => {
              if (err instanceof WorkflowNotFoundError) return false;
              throw err;
            },
          );
          if (known) return existingRun(workflowId);
        }
        let started: StartedRun;
        try {
          started = await startFromBody(body, common);
        } catch (err) {
          // A closed run already holds the id: the key named it, so it is the answer.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !idempotencyKey || !workflowId) throw err;
          return existingRun(workflowId);
        }
        const existing = false;
        return reply.status(202).send({
          workflowId: started.workflowId,
          runId: started.runId,
          workflowType: started.workflowType,
          name: started.name,
          existing,
          warnings: started.warnings.map((w) => w.message),
          links: links(started.workflowId),
        });
      },
    );

    /** Names resolve through the catalog and the shipped graphs only: nothing in a request becomes a file path. */
    async function startFromBody(
      body: z.output<typeof startRunBody>,
      common: { id?: string; budget?: z.output<typeof startRunBody>['budget']; idempotent?: boolean },
    ): Promise<StartedRun> {
      if (body.agent !== undefined) {
        const found = client.agents.find(body.agent);
        if (!found) throw new UnknownAgentError(body.agent, client.agents.unknownAgentError(body.agent).message);
        if (typeof body.input === 'object') throw new InvalidRunInputError('input: an agent takes text input');
        return client.startAgent(found.spec, {
          ...common,
          ...(body.input !== undefined ? { input: body.input } : {}),
          ...(body.model ? { model: body.model } : {}),
        });
      }
      if (body.graph !== undefined) {
        if (!shippedGraphs().some((g) => g.name === body.graph)) {
          throw new UnknownAgentError(body.graph, `no shipped graph "${body.graph}" (GET /v1/graphs lists them)`);
        }
        if (body.model) throw new InvalidRunInputError('model: a graph names its models in its spec');
        return client.startGraph(loadGraphSpec(body.graph), {
          ...common,
          ...(body.input !== undefined ? { input: body.input } : {}),
        });
      }
      const spec = body.spec as Record<string, unknown>;
      if (specKind(spec) === 'graph') {
        if (body.model) throw new InvalidRunInputError('model: a graph names its models in its spec');
        return client.startGraph(spec as unknown as GraphSpecInput, {
          ...common,
          ...(body.input !== undefined ? { input: body.input } : {}),
        });
      }
      const parsed = parseAgentSpec(spec);
      if (!parsed.ok) throw new InvalidRunInputError(`spec: ${parsed.problems.join('; ')}`);
      if (typeof body.input === 'object') throw new InvalidRunInputError('input: an agent takes text input');
      return client.startAgent(parsed.spec as AgentSpec, {
        ...common,
        ...(body.input !== undefined ? { input: body.input } : {}),
        ...(body.model ? { model: body.model } : {}),
      });
    }

    app.get(
      '/v1/runs/:id',
      {
        schema: {
          summary: 'A run: its status and live state',
          params: runIdParams,
          response: { 200: runResponse, ...errors },
        },
      },
      async (request) => {
        requireScope(keyOf(request), 'runs:read');
        const { id } = request.params;
        const description = await client.describe(id);
        const answer = await client.tryGetState(id, description);
        return {
          workflowId: id,
          runId: description.runId,
          workflowType: description.type,
          status: description.status.name.toLowerCase(),
          ...(answer.ok
            ? { state: answer.state as unknown as Record<string, unknown> }
            : { stateProblem: answer.reason }),
          links: links(id),
        };
      },
    );

    app.get(
      '/v1/runs',
      {
        schema: {
          summary: 'List runs, newest first',
          querystring: listQuery,
          response: { 200: listResponse, ...errors },
        },
      },
      async (request) => {
        requireScope(keyOf(request), 'runs:read');
        const q = request.query;
        const page = await client.listPage({
          limit: q.limit,
          ...(q.status ? { status: q.status } : {}),
          ...(q.agent ? { agent: q.agent } : {}),
          ...(q.awaitingApproval === 'true' ? { awaitingApproval: true } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.minCostUsd !== undefined ? { minCostUsd: q.minCostUsd } : {}),
          ...(q.maxCostUsd !== undefined ? { maxCostUsd: q.maxCostUsd } : {}),
          ...(q.startedAfter ? { startedAfter: new Date(q.startedAfter) } : {}),
          ...(q.startedBefore ? { startedBefore: new Date(q.startedBefore) } : {}),
          ...(q.cursor ? { pageToken: q.cursor } : {}),
        });
        return {
          runs: page.runs.map(({ startTime, closeTime, ...r }) => ({
            ...r,
            startTime: startTime.toISOString(),
            ...(closeTime ? { closeTime: closeTime.toISOString() } : {}),
          })),
          ...(page.nextPageToken ? { nextCursor: page.nextPageToken } : {}),
        };
      },
    );

    app.get(
      '/v1/runs/:id/result',
      {
        schema: {
          summary: 'The run’s outcome; waits up to `wait` for it (202 while it still runs)',
          params: runIdParams,
          querystring: resultQuery,
          response: { 200: outcomeResponse, 202: stillRunningResponse, ...errors },
        },
      },
      async (request, reply) => {
        requireScope(keyOf(request), 'runs:read');
        const { id } = request.params;
        const description = await client.describe(id);
        const waitMs = parseWait(request.query.wait);
        const closed = !['RUNNING', 'CONTINUED_AS_NEW'].includes(description.status.name);
        if (!closed && waitMs === 0)
          return reply.status(202).send({ workflowId: id, status: 'running', links: links(id) });
        // The wait is cut short by aborting the long poll, so no request keeps a poll open past its answer.
        const abort = new AbortController();
        const timer = closed ? undefined : setTimeout(() => abort.abort(), waitMs);
        request.raw.once('close', () => abort.abort());
        try {
          const outcome = await client.temporal.connection.withAbortSignal(abort.signal, () => client.outcome(id));
          return reply.status(200).send(outcomeBody(id, outcome));
        } catch (err) {
          if (!abort.signal.aborted) throw err;
          return reply.status(202).send({ workflowId: id, status: 'running', links: links(id) });
        } finally {
          clearTimeout(timer);
        }
      },
    );

    app.post(
      '/v1/runs/:id/cancel',
      {
        schema: { summary: 'Ask the run to cancel', params: runIdParams, response: { 202: cancelResponse, ...errors } },
      },
      async (request, reply) => {
        requireScope(keyOf(request), 'runs:start');
        await client.cancel(request.params.id);
        return reply.status(202).send({ workflowId: request.params.id, cancelRequested: true as const });
      },
    );

    app.post(
      '/v1/runs/:id/retry',
      {
        schema: {
          summary: 'Retry a failed run: from its failing step (fork) or anew with the same input (restart)',
          params: runIdParams,
          response: { 202: retryResponse, ...errors },
        },
      },
      async (request, reply) => {
        requireScope(keyOf(request), 'runs:start');
        const retried = await client.retry(request.params.id);
        return reply.status(202).send({ ...retried, links: links(retried.workflowId) });
      },
    );
  };
