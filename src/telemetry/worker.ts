/**
 * What a worker needs for tracing: the workflow interceptors (bundled into the workflow sandbox, where they open
 * a span for the run, for each activity it schedules and each child it starts, and carry the trace on in the
 * headers), the activity interceptors (a span per attempt, active while the activity runs, so the model and
 * tool activities can annotate it), and the sink through which the sandbox hands its finished spans out.
 */
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { Tracing } from './tracing';

/**
 * Workflow interceptor modules for `bundleWorkflowCode({ workflowInterceptorModules })`. A worker built from
 * `workflowsPath` bundles them itself; a prebuilt bundle must have been built with them.
 */
export const tracingWorkflowInterceptorModules: string[] = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** The sink the workflow sandbox exports its spans through; replay workers need it too. */
export function tracingSinks(tracing: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}

/** Interceptors and sinks to merge into a worker's options. */
export function tracingWorkerOptions(tracing: Tracing): Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const options = { tracer: tracing.tracer };
  return {
    interceptors: {
      workflowModules: tracingWorkflowInterceptorModules,
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, options),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: tracingSinks(tracing),
  };
}
