/**
 * Live run events as Server-Sent Events, over the client's `events()` iterator. Each event's SSE id is the
 * iterator's cursor, so a reconnect with `Last-Event-ID` (or `?after=`) resumes right after the last event the
 * client received: nothing lost, nothing repeated. The stream follows continue-as-new, ends after `run.ended`,
 * sends a comment while idle so proxies keep it open, and stops polling the moment the client goes away.
 *
 * When the client has a token broker (and the request does not say `?tokens=false`), the live text of the run's
 * model calls is multiplexed into the same response: each token event under its own type as the SSE event name
 * (`token.attempt`, `token`, `token.end`) and with no `id:` line, so `Last-Event-ID` keeps pointing at run
 * events only. Tokens are live-only: a reconnect gets the text so far of a call under way from the broker, not
 * what it missed of calls that ended. The token stream stops when the client goes away or the run ends, and a
 * failure in it is logged while the run events go on.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AgentClient } from '../../../client';
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

/**
 * Writes the run's token events to the response until `signal` aborts. Never throws: a broken token stream is
 * logged, and the run events (written beside it) carry on without text.
 */
async function pipeTokens(
  client: AgentClient,
  workflowId: string,
  res: ServerResponse,
  signal: AbortSignal,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    for await (const event of client.tokens(workflowId, { signal })) {
      if (signal.aborted || res.writableEnded) break;
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
  } catch (err) {
    if (!signal.aborted) log.warn({ err, workflowId }, 'token stream failed; run events go on without text');
  }
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
        const withTokens = ctx.client.hasTokens && request.query.tokens !== 'false';
        const tokensAbort = new AbortController();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write(': following run\n\n');
        request.raw.on('close', () => {
          abort.abort();
          tokensAbort.abort();
        });
        const tokens = withTokens ? pipeTokens(ctx.client, id, res, tokensAbort.signal, request.log) : undefined;
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
            // No text after the end: the token stream stops before run.ended is written, not after.
            if (event.type === 'run.ended') tokensAbort.abort();
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
          // The run ended (or the client left, or the events failed): no text can follow, stop the tokens too.
          tokensAbort.abort();
          await tokens;
          clearInterval(heartbeat);
          res.end();
        }
      },
    );
  };
