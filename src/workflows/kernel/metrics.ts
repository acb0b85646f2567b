/**
 * Per-run counters of tokens, cost and model calls, emitted from workflow code through Temporal's `metricMeter`.
 * Metrics are not commands: they leave the history untouched, and the SDK drops them while replaying, so a
 * replayed model call is never counted twice. The worker adds `namespace`, `taskQueue` and `workflowType` tags.
 */
import { metricMeter } from '@temporalio/workflow';
import type { Usage } from '../../contracts/messages';

/**
 * Counts one completed model call of `agent` on `model` (a `provider:model` id), its tokens and its cost. The
 * names match MetricName in src/telemetry/metrics.ts; the counters are made per call because `metricMeter` may
 * only be used inside a running workflow, never at module load.
 */
export function countModelCall(call: { model: string; agent: string; usage: Usage; usd: number }): void {
  const tags = { model: call.model, agent: call.agent };
  metricMeter.createCounter('durable_agents_model_calls_total', 'calls', 'Completed model calls').add(1, tags);
  const tokens = metricMeter.createCounter('durable_agents_tokens_total', 'tokens', 'Tokens of model calls');
  tokens.add(call.usage.inputTokens, { ...tags, token_type: 'input' });
  tokens.add(call.usage.outputTokens, { ...tags, token_type: 'output' });
  metricMeter
    .createCounter('durable_agents_cost_microusd_total', 'microusd', 'Cost of model calls in millionths of a USD')
    .add(Math.max(0, Math.round(call.usd * 1e6)), tags);
}
