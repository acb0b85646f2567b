/** A MockActivityEnvironment whose logs are collected, not printed: a passing test writes nothing. */
import type { Info } from '@temporalio/activity';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

export interface LogLine {
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

export function quietActivityEnv(info: Partial<Info> = {}): { env: MockActivityEnvironment; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const record =
    (level: LogLevel) =>
    (message: string, meta?: LogMetadata): void =>
      void logs.push({ level, message, meta });
  const logger: Logger = {
    log: (level, message, meta) => void logs.push({ level, message, meta }),
    trace: record('TRACE'),
    debug: record('DEBUG'),
    info: record('INFO'),
    warn: record('WARN'),
    error: record('ERROR'),
  };
  return { env: new MockActivityEnvironment(info, { logger }), logs };
}
