/**
 * The `callModel` activity: one model request through the adapter of the model id's provider. It heartbeats
 * while the request is in flight, so a dead worker is noticed within the heartbeat timeout, and aborts the
 * HTTP request when Temporal cancels the attempt.
 */
import { Context, log } from '@temporalio/activity';
import type { ModelRequest, ModelResponse } from '../../contracts/messages';
import { annotateModelFailure, annotateModelRequest, annotateModelResponse } from '../../telemetry/genai';
import { priceFor, defaultPrices } from '../../contracts/pricing';
import { toApplicationFailure } from './errors';
import { conversationOf, ownConversationId, requirePriceFor, resolveAdapter, type ModelActivityDeps } from './resolve';
import { createSummarizeActivity } from './summarize';
import { createReplayProvider } from '../replay/recordings';

export type { ModelActivityDeps } from './resolve';
import { rateLimitHeaders } from './rate-limit-headers';

function logRateLimit(model: string, provider: string, headers: Record<string, string>): void {
  if (Object.keys(headers).length) log.info('provider rate limit', { model, provider, ...headers });
}

function beat(ctx: Context): void {
  try {
    ctx.heartbeat();
  } catch {
    // A heartbeat that cannot be sent (worker shutting down) must not fail the call itself;
    // if the worker is really gone, the server notices the missing heartbeats anyway.
  }
}

/** Beats at half the heartbeat timeout, but not more often than once a second. */
function startHeartbeat(ctx: Context): () => void {
  const timeoutMs = ctx.info.heartbeatTimeoutMs;
  if (!timeoutMs) return () => undefined;
  const timer = setInterval(() => beat(ctx), Math.max(1000, timeoutMs / 2));
  return () => clearInterval(timer);
}

export function createModelActivities(deps: ModelActivityDeps) {
  const prices = { ...defaultPrices, ...deps.prices };
  const replay = deps.replay ?? createReplayProvider();
  return {
    async callModel(request: ModelRequest): Promise<ModelResponse> {
      const ctx = Context.current();
      const { id, adapter } = resolveAdapter(deps, request.model);
      requirePriceFor(deps, prices, request);
      annotateModelRequest({
        provider: id.provider,
        model: id.model,
        modelId: request.model,
        maxOutputTokens: request.maxOutputTokens,
        temperature: request.temperature,
      });
      const { conversation: ref, requirePrice: _budgeted, replay: _replay, ...rest } = request;
      // Heartbeats start before anything slow (the conversation store's sync can take as long as the call), so
      // a worker that dies at any moment of the attempt is noticed within the heartbeat timeout.
      const stopHeartbeat = startHeartbeat(ctx);
      let messages: ModelRequest['messages'];
      let recorded: ModelResponse | undefined;
      try {
        messages = await conversationOf(deps, request, ownConversationId(ctx.info));
        // A replay run's request the recording holds is answered from it; the provider is never called for it.
        recorded = request.replay ? await replay.answer(request, messages) : undefined;
      } catch (err) {
        stopHeartbeat();
        throw err;
      }
      if (recorded) {
        stopHeartbeat();
        return recorded;
      }
      const started = Date.now();
      log.info('model call started', {
        model: request.model,
        provider: id.provider,
        attempt: ctx.info.attempt,
        messages: messages.length,
        ...(ref ? { conversation: ref.id, newMessages: request.messages.length } : {}),
      });
      const run = ctx.info.workflowExecution;
      const live =
        run &&
        deps.tokens?.startAttempt(
          { workflowId: run.workflowId, runId: run.runId, callId: ctx.info.activityId, model: request.model },
          ctx.info.attempt,
        );
      try {
        const answer = await adapter.complete(
          { ...rest, messages, model: id.model },
          ctx.cancellationSignal,
          (headers) => logRateLimit(request.model, id.provider, rateLimitHeaders(headers)),
          (text) => {
            live?.text(text);
            // A beat per piece read (the SDK throttles them): a worker that stops reading is noticed in seconds.
            beat(ctx);
          },
        );
        await live?.end('finished');
        const price = priceFor(request.model, prices);
        const response = price ? { ...answer, price } : answer;
        annotateModelResponse(response);
        log.info('model call finished', {
          model: request.model,
          provider: id.provider,
          durationMs: Date.now() - started,
          inputTokens: response.usage.inputTokens,
          outputTokens: response.usage.outputTokens,
          cachedInputTokens: response.usage.cachedInputTokens,
          toolCalls: response.message.toolCalls?.length ?? 0,
        });
        return response;
      } catch (err) {
        await live?.end('failed');
        // A cancelled attempt surfaces as Temporal's own cancellation, not as a provider failure.
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
        logRateLimit(request.model, id.provider, rateLimitHeaders((err as { headers?: Headers } | undefined)?.headers));
        const failure = toApplicationFailure(err, id.provider, id.model);
        annotateModelFailure(failure.type);
        log.warn('model call failed', {
          model: request.model,
          provider: id.provider,
          durationMs: Date.now() - started,
          type: failure.type,
          nonRetryable: failure.nonRetryable,
          error: failure.message,
        });
        throw failure;
      } finally {
        stopHeartbeat();
      }
    },
    ...createSummarizeActivity(deps),
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
