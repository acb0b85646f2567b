/** Traces, metrics and the log level from the environment (OTEL_*, TEMPORAL_PROMETHEUS_BIND, LOG_LEVEL). */
import { z } from 'zod';
import type { TelemetrySettings } from '../telemetry/settings';
import { UserError } from '../contracts/errors';
import { nonEmpty, type Env } from './values';

const tracesExporterSchema = z.enum(['otlp', 'console', 'none']);
/** `host:port` with an IPv4 address or a name, or `[ipv6]:port`. */
const bindSchema = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port');

/** OTEL_TRACES_EXPORTER, OTEL_SERVICE_NAME and TEMPORAL_PROMETHEUS_BIND; a bad value names its variable. */
export function telemetrySettingsFromEnv(env: Env = process.env): TelemetrySettings {
  const exporter = tracesExporterSchema.safeParse(nonEmpty(env.OTEL_TRACES_EXPORTER)?.toLowerCase() ?? 'none');
  if (!exporter.success) {
    throw new UserError(`OTEL_TRACES_EXPORTER must be otlp, console or none, not "${env.OTEL_TRACES_EXPORTER}"`);
  }
  const bind = nonEmpty(env.TEMPORAL_PROMETHEUS_BIND);
  if (bind !== undefined && !bindSchema.safeParse(bind).success) {
    throw new UserError(`TEMPORAL_PROMETHEUS_BIND must be host:port (e.g. 127.0.0.1:9464), not "${bind}"`);
  }
  return {
    tracesExporter: exporter.data,
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'durable-agents',
    ...(bind !== undefined ? { prometheusBind: bind } : {}),
  };
}

/** LOG_LEVEL, `info` unless set. */
export const logLevelFromEnv = (env: Env = process.env): string => nonEmpty(env.LOG_LEVEL) ?? 'info';
