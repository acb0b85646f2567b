/**
 * Sends an agent's model calls down its fallback chain. Without fallback models a call is one activity with
 * the usual retry policy. With them, a call may use only the attempts left before its provider's circuit
 * opens; when they all fail with retryable errors the circuit opens, the decision is logged and kept in
 * state, and this and later calls go to the next model whose provider is still healthy.
 */
import { ActivityFailure, log, TimeoutFailure } from '@temporalio/workflow';
import type { ValidAgentInput } from '../../contracts/agent-contract';
import { ErrorType } from '../../contracts/errors';
import type { ModelRequest, ModelResponse } from '../../contracts/messages';
import {
  attemptsBeforeOpen,
  hasFallbackAfter,
  initialRouting,
  pickModel,
  providerOf,
  recordFailures,
  recordSuccess,
  type ModelRoutingState,
} from '../../contracts/model-routing';
import { callModelActivity } from '../kernel/activities';
import type { ProviderQueues } from '../../contracts/model-queues';
import { failureTypeOf } from '../kernel/failures';

/** A provider that is down or throttling us, as opposed to a request no provider would accept. */
function isProviderFailure(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  if (err.cause instanceof TimeoutFailure) return true;
  const type = failureTypeOf(err);
  return type === ErrorType.RateLimited || type === ErrorType.ProviderUnavailable;
}

export class ModelRouter {
  /** Present when the agent has fallback models; the `state` query shows it. */
  readonly state?: ModelRoutingState;

  /** The agent's `modelTimeout` and `modelMaxAttempts`, as call options. */
  private readonly limits: { timeout?: string; maximumAttempts?: number; providerQueues?: ProviderQueues };
  /** A cost budget binds the run: each request asks the worker to refuse a model it cannot price. */
  private readonly priced: { requirePrice?: true };

  /** `providerQueues`: where the run's recorded `describeTools` answer sends each provider's calls. */
  constructor(
    private readonly input: ValidAgentInput,
    providerQueues?: ProviderQueues,
  ) {
    this.limits = {
      ...(input.modelTimeout ? { timeout: input.modelTimeout } : {}),
      ...(input.modelMaxAttempts ? { maximumAttempts: input.modelMaxAttempts } : {}),
      ...(providerQueues ? { providerQueues } : {}),
    };
    this.priced = input.budget?.maxCostUsd !== undefined ? { requirePrice: true } : {};
    if (input.fallbackModels.length) this.state = initialRouting(input.model, input.fallbackModels);
  }

  async call(
    request: Omit<ModelRequest, 'model'>,
    step: number,
    summary: (model: string) => string,
  ): Promise<{ response: ModelResponse; model: string }> {
    const routing = this.state;
    if (!routing) {
      const model = this.input.model;
      return {
        response: await callModelActivity({ ...request, ...this.priced, model }, summary(model), this.limits),
        model,
      };
    }
    for (;;) {
      const model = pickModel(routing);
      if (model !== routing.current) {
        const reason = `circuit of ${providerOf(routing.current)} is open`;
        routing.decisions.push({ step, from: routing.current, to: model, reason, at: new Date().toISOString() });
        log.warn('model fallback', { step, from: routing.current, to: model, reason });
        routing.current = model;
      }
      const fallback = hasFallbackAfter(routing, model);
      const attempts = fallback ? attemptsBeforeOpen(routing, model, this.input.circuitBreaker) : undefined;
      try {
        const response = await callModelActivity({ ...request, ...this.priced, model }, summary(model), {
          ...this.limits,
          // With a fallback waiting, the circuit's threshold bounds the attempts instead.
          ...(attempts ? { maximumAttempts: attempts } : {}),
        });
        recordSuccess(routing, model);
        return { response, model };
      } catch (err) {
        if (!attempts || !isProviderFailure(err)) throw err;
        const opened = recordFailures(routing, model, attempts, this.input.circuitBreaker, new Date().toISOString());
        if (opened) {
          log.warn('provider circuit opened', {
            provider: providerOf(model),
            failures: routing.circuits[providerOf(model)]?.consecutiveFailures,
            threshold: this.input.circuitBreaker.failureThreshold,
            error: (err as ActivityFailure).cause?.message,
          });
        }
      }
    }
  }
}
