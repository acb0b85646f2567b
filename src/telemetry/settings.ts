/** Traces and metrics; everything is off unless the environment turns it on (config/telemetry.ts fills this). */
export interface TelemetrySettings {
  /**
   * Where spans go (`OTEL_TRACES_EXPORTER`): `otlp` (OTLP over HTTP; the exporter reads the standard
   * `OTEL_EXPORTER_OTLP_*` variables for endpoint, headers and timeout), `console`, or `none`.
   */
  tracesExporter: 'otlp' | 'console' | 'none';
  /** `service.name` of the spans (`OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** `host:port` the Temporal runtime serves Prometheus metrics on, under `/metrics` (`TEMPORAL_PROMETHEUS_BIND`). */
  prometheusBind?: string;
}
