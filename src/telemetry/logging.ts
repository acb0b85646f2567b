/**
 * Structured logs. pino is the one sink; Temporal's workflow and activity loggers are routed into it once,
 * through `Runtime.install`, so every line carries the ids Temporal attaches (workflowId, runId,
 * activityType) plus what our code adds (model, tool).
 */
import { Runtime, type LogLevel, type LogMetadata, type Logger, type MetricsExporterConfig } from '@temporalio/worker';
import pino, { type Logger as PinoLogger } from 'pino';
import { REDACTED, redactText, redactValue } from '../security/redaction';

/** Common credential fields, censored by pino itself; `redactValue` catches deeper ones and secret-looking values. */
const redactPaths = [
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
];

export function createLogger(level: string, destination: pino.DestinationStream | number = 1): PinoLogger {
  return pino(
    {
      level,
      base: { service: 'durable-agents' },
      redact: { paths: redactPaths, censor: REDACTED },
      formatters: { log: (object) => redactValue(object) as Record<string, unknown> },
      hooks: {
        // The message text is not part of the object `formatters.log` sees; censor it here.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    typeof destination === 'number' ? pino.destination(destination) : destination,
  );
}

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Adapts pino to the Temporal SDK's Logger interface. */
/**
 * SDK warnings that describe our design, not a problem: model workers poll only their provider's activity queue
 * and register no workflows on purpose. They are logged at debug so a user's console shows only real warnings.
 */
const expectedSdkWarnings = new Set(['No workflows registered, not polling for workflow tasks']);

export class PinoTemporalLogger implements Logger {
  constructor(private readonly pino: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const { sdkComponent, ...rest } = (meta ?? {}) as Record<string, unknown>;
    const effective = level === 'WARN' && expectedSdkWarnings.has(message) ? 'DEBUG' : level;
    this.pino[pinoLevel[effective]]({ ...rest, ...(sdkComponent ? { component: sdkComponent } : {}) }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

const pinoToCore: Record<string, 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

let installed = false;

/**
 * Installs the Temporal runtime with pino as its logger and, when given, a metrics exporter (e.g. a Prometheus
 * endpoint; see src/telemetry/metrics.ts). The runtime is process-wide and can be installed only once, before
 * any connection is made; later calls are ignored.
 */
export function installTemporalLogging(logger: PinoLogger, options: { metrics?: MetricsExporterConfig } = {}): void {
  if (installed) return;
  installed = true;
  // Core (native) logs are forwarded too, so they are structured and obey the same level.
  const coreLevel = pinoToCore[logger.level] ?? 'WARN';
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: coreLevel, other: 'ERROR' }, forward: {} },
      ...(options.metrics ? { metrics: options.metrics } : {}),
    },
  });
}
