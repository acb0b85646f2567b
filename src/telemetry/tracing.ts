/**
 * The OpenTelemetry tracer provider behind the Temporal interceptors. One {@link Tracing} serves a process: the
 * worker hands its span processor to the workflow span sink and its tracer to the activity interceptors, and
 * agentctl hands its tracer to the client interceptor, so a run's trace starts where the run was started.
 *
 * The provider is deliberately not registered as the global one, so an application with its own OpenTelemetry
 * setup keeps it. Only two process-wide pieces are installed, and only when nothing else installed them first:
 * a context manager (so spans can be active across awaits) and the W3C trace-context propagator (so the
 * interceptors can write the trace into Temporal headers and read it back).
 */
import { context, propagation, type Tracer } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TelemetrySettings } from './settings';
import { JsonLinesSpanExporter } from './console-exporter';
import { AsyncLocalStorageContextManager } from './context-manager';

/** The name of the tracer our own spans (client, activities) are created with. */
export const TRACER_NAME = 'durable-agents';
const VERSION = '0.1.0';

export interface Tracing {
  readonly tracer: Tracer;
  readonly resource: Resource;
  /** Receives every finished span, including those the workflow sandbox sends out through its sink. */
  readonly spanProcessor: SpanProcessor;
  /** Exports the spans still buffered. */
  forceFlush(): Promise<void>;
  /** Exports what is buffered and stops; call it once, when the process is done. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  exporter: SpanExporter;
  serviceName?: string;
  /** Which part of the system the process is (`worker`, `agentctl`); a resource attribute. */
  component?: string;
  /**
   * `batch` (default) exports in the background, in batches; `simple` exports each span as it ends, which
   * tests and the console exporter want.
   */
  processor?: 'batch' | 'simple';
}

let globalsInstalled = false;

/** Installs the context manager and propagator once per process, unless the application already has its own. */
function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

/** Builds the tracing of one process around an exporter. */
export function createTracing(options: TracingOptions): Tracing {
  installGlobals();
  const resource = Resource.default().merge(
    new Resource({
      [ATTR_SERVICE_NAME]: options.serviceName ?? 'durable-agents',
      [ATTR_SERVICE_VERSION]: VERSION,
      ...(options.component ? { 'durable_agents.component': options.component } : {}),
    }),
  );
  const spanProcessor =
    options.processor === 'simple'
      ? new SimpleSpanProcessor(options.exporter)
      : new BatchSpanProcessor(options.exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  return {
    tracer: provider.getTracer(TRACER_NAME, VERSION),
    resource,
    spanProcessor,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The tracing the environment asks for, or undefined when tracing is off (the default). `console` writes one JSON
 * line per span to stderr. `otlp` sends spans over
 * OTLP/HTTP; the exporter reads `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and
 * `OTEL_EXPORTER_OTLP_HEADERS` itself, as every OpenTelemetry SDK does.
 */
export function tracingFromSettings(settings: TelemetrySettings, component: string): Tracing | undefined {
  switch (settings.tracesExporter) {
    case 'none':
      return undefined;
    case 'console':
      return createTracing({
        exporter: new JsonLinesSpanExporter(process.stderr),
        serviceName: settings.serviceName,
        component,
        processor: 'simple',
      });
    case 'otlp':
      return createTracing({ exporter: new OTLPTraceExporter(), serviceName: settings.serviceName, component });
  }
}
