/**
 * Model routing with fallback: an agent's model plus a fallback chain, and a circuit per provider that opens
 * after N consecutive retryable failures within a run. Pure, so the workflow keeps the circuits itself and a
 * replay takes the same decisions.
 */
import { z } from 'zod';
import { parseModelId } from './model-id';

export const circuitBreakerSchema = z
  .object({
    /** Consecutive retryable failures (429, 5xx, timeouts) of one provider that open its circuit. */
    failureThreshold: z.number().int().min(1).max(20).default(3),
  })
  .strict();
export type CircuitBreakerSettings = z.output<typeof circuitBreakerSchema>;

export interface CircuitState {
  provider: string;
  consecutiveFailures: number;
  open: boolean;
  /** Workflow time at which the circuit opened. */
  openedAt?: string;
}

/** One routing decision: a switch to a fallback model, and why. */
export interface ModelRoutingDecision {
  step: number;
  from: string;
  to: string;
  reason: string;
  at: string;
}

export interface ModelRoutingState {
  /** The agent's own model, then its fallbacks, in order. */
  chain: string[];
  /** The model the next call goes to. */
  current: string;
  circuits: Record<string, CircuitState>;
  decisions: ModelRoutingDecision[];
}

export const providerOf = (model: string): string => parseModelId(model).provider;

export function initialRouting(model: string, fallbackModels: readonly string[]): ModelRoutingState {
  return { chain: [model, ...fallbackModels], current: model, circuits: {}, decisions: [] };
}

/** The first model of the chain whose provider's circuit is closed; the last one when every circuit is open. */
export function pickModel(state: ModelRoutingState): string {
  const usable = state.chain.find((m) => !state.circuits[providerOf(m)]?.open);
  return usable ?? (state.chain[state.chain.length - 1] as string);
}

/** Whether a model further down the chain could take over if this model's provider failed. */
export function hasFallbackAfter(state: ModelRoutingState, model: string): boolean {
  const provider = providerOf(model);
  return state.chain.slice(state.chain.indexOf(model) + 1).some((m) => providerOf(m) !== provider);
}

/** A successful answer closes the count of consecutive failures. */
export function recordSuccess(state: ModelRoutingState, model: string): void {
  const circuit = state.circuits[providerOf(model)];
  if (circuit) circuit.consecutiveFailures = 0;
}

/** Counts failed attempts; returns true when this opened the provider's circuit. */
export function recordFailures(
  state: ModelRoutingState,
  model: string,
  attempts: number,
  settings: CircuitBreakerSettings,
  now: string,
): boolean {
  const provider = providerOf(model);
  const circuit = (state.circuits[provider] ??= { provider, consecutiveFailures: 0, open: false });
  circuit.consecutiveFailures += attempts;
  if (!circuit.open && circuit.consecutiveFailures >= settings.failureThreshold) {
    circuit.open = true;
    circuit.openedAt = now;
    return true;
  }
  return false;
}

/** Attempts a call may use before its provider's circuit would open. */
export function attemptsBeforeOpen(state: ModelRoutingState, model: string, settings: CircuitBreakerSettings): number {
  const failures = state.circuits[providerOf(model)]?.consecutiveFailures ?? 0;
  return Math.max(1, settings.failureThreshold - failures);
}
