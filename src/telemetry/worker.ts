/**
 * What a worker needs for tracing: the workflow interceptors (bundled into the workflow sandbox, where they open
 * a span for the run, for each activity it schedules and each child it starts, and carry the trace on in the
 * headers), the activity interceptors (a span per attempt, active while the activity runs, so the model and
 * tool activities can annotate it), and the sink through which the sandbox hands its finished spans out.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
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

const isPrimitive = (v: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof v);

/**
 * The SDK's sink stamps the whole workflow info on each workflow span, objects included (search attributes, the
 * deployment version, `unsafe`). OpenTelemetry attributes must be primitives or arrays of them, so the objects
 * are dropped here; workflowId, runId, workflowType, taskQueue, namespace and attempt remain.
 */
class WorkflowSpanAttributeFilter implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const [key, value] of Object.entries(attributes)) {
      const valid = Array.isArray(value) ? value.every((v) => v === null || isPrimitive(v)) : isPrimitive(value);
      if (!valid) delete attributes[key];
    }
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/** The sink the workflow sandbox exports its spans through; replay workers need it too. */
export function tracingSinks(tracing: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(new WorkflowSpanAttributeFilter(tracing.spanProcessor), tracing.resource) };
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
