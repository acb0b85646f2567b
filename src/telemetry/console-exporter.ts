/**
 * `OTEL_TRACES_EXPORTER=console`: one JSON line per finished span on stderr. The SDK's own console exporter
 * prints multi-line objects to stdout, where they would mix with the worker's pino lines and break
 * `agentctl … --json`; a line on stderr stays out of both and is still easy to grep or pipe to `jq`.
 */
import { hrTimeToMicroseconds, ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export class JsonLinesSpanExporter implements SpanExporter {
  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const ctx = span.spanContext();
      const line = {
        traceId: ctx.traceId,
        spanId: ctx.spanId,
        ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
        name: span.name,
        service: span.resource.attributes['service.name'],
        startUs: hrTimeToMicroseconds(span.startTime),
        durationUs: hrTimeToMicroseconds(span.duration),
        status: span.status,
        attributes: span.attributes,
      };
      this.out.write(`${JSON.stringify({ span: line })}\n`);
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
