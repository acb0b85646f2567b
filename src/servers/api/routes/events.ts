/**
 * Live run events as Server-Sent Events, over the client's `events()` iterator. Each event's SSE id is the
 * iterator's cursor, so a reconnect with `Last-Event-ID` (or `?after=`) resumes right after the last event the
 * client received: nothing lost, nothing repeated. The stream follows continue-as-new, ends after `run.ended`,
 * sends a comment while idle so proxies keep it open, and stops polling the moment the client goes away.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RunEvent } from '../../../client/events';
import { keyOf, requireScope } from '../auth';
import type { RouteContext } from '../context';
import { errorBodySchema } from '../errors';
import { eventsQuery, runIdParams } from '../schemas';
import { outcomeBody } from './runs';

/** An event as JSON: a run's end carries its outcome's JSON form (never an error object or a stack). */
function eventData(event: RunEvent): unknown {
  if (event.type !== 'run.ended') return event;
  return { ...event, outcome: outcomeBody(event.workflowId, event.outcome) };
}

export const eventRoutes =
  (ctx: RouteContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/runs/:id/events',
      {
        schema: {
          summary: 'Live events of the run (text/event-stream); resume with Last-Event-ID',
          params: runIdParams,
          querystring: eventsQuery,
          response: { 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
        },
      },
      async (request, reply) => {
        requireScope(keyOf(request), 'runs:read');
        const { id } = request.params;
        await ctx.client.describe(id); // an unknown run is a 404 before the stream opens
        const header = request.headers['last-event-id'];
        const after = (typeof header === 'string' && header) || request.query.after;
        const abort = new AbortController();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write(': following run\n\n');
        request.raw.on('close', () => abort.abort());
        const heartbeat = setInterval(() => {
          if (!res.writableEnded) res.write(': heartbeat\n\n');
        }, ctx.heartbeatMs);
        try {
          for await (const event of ctx.client.events(id, {
            intervalMs: ctx.pollIntervalMs,
            signal: abort.signal,
            ...(after ? { after } : {}),
          })) {
            if (abort.signal.aborted) break;
            res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(eventData(event))}\n\n`);
          }
        } catch (err) {
          if (!abort.signal.aborted) {
            request.log.warn({ err }, 'event stream failed');
            res.write(
              `event: error\ndata: ${JSON.stringify({ error: { code: 'STREAM_FAILED', message: 'the event stream stopped; reconnect with Last-Event-ID' } })}\n\n`,
            );
          }
        } finally {
          clearInterval(heartbeat);
          res.end();
        }
      },
    );
  };
