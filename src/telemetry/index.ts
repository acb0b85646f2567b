/**
 * Observability for embedders: tracing for workers (`createAgentWorker({ tracing })`) and clients, the GenAI span
 * attribute names, and the runtime metrics options. See the README's Observability section.
 */
export { tracingClientInterceptors } from './client';
export { JsonLinesSpanExporter } from './console-exporter';
export { DurableAgentsAttr, GenAiAttr } from './genai';
export { MetricName, runtimeMetricsOptions } from './metrics';
export { createTracing, tracingFromSettings, type Tracing, type TracingOptions } from './tracing';
export { tracingSinks, tracingWorkerOptions, tracingWorkflowInterceptorModules } from './worker';
