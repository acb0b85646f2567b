/**
 * Runtime metrics: the Temporal SDK's own metrics (workflow and activity task latencies, poll results, slots,
 * sticky cache) and our per-run counters, which workflows emit through Temporal's `metricMeter`, all served by the
 * runtime's Prometheus endpoint when one is configured.
 */
import type { MetricsExporterConfig } from '@temporalio/worker';
import type { TelemetrySettings } from './settings';

/** Names of the counters workflows emit (see src/workflows/metrics.ts); Prometheus shows them under these names. */
export const MetricName = {
  tokens: 'durable_agents_tokens_total',
  costMicroUsd: 'durable_agents_cost_microusd_total',
  modelCalls: 'durable_agents_model_calls_total',
  /** Scheduled evals' alerts (src/workflows/eval/schedule.ts). */
  evalAlerts: 'durable_agents_eval_alerts_total',
} as const;

/** `telemetryOptions.metrics` for `Runtime.install`, or undefined when no endpoint is configured. */
export function runtimeMetricsOptions(settings: TelemetrySettings): MetricsExporterConfig | undefined {
  if (!settings.prometheusBind) return undefined;
  return { prometheus: { bindAddress: settings.prometheusBind } };
}
