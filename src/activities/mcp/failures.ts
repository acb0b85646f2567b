/**
 * How MCP faults become typed `ApplicationFailure`s. A fault of the connection (the server would not start,
 * exited, timed out, refused the TCP connection) is retryable: the next attempt gets a fresh connection. A
 * fault of configuration (a missing environment variable, refused credentials) is not: no retry can fix it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ErrorType } from '../../contracts/errors';
import type { McpServerSpec } from '../../contracts/tool-catalog';
import { redactDiagnostic, redactedError } from '../../security/redaction';

/** What went wrong, as far as retrying is concerned. */
export type McpFaultKind = 'connection' | 'auth' | 'protocol';

const connectionErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOENT',
  'EACCES',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return cause && cause !== err ? errnoOf(cause) : undefined;
}

/** Sorts an error thrown by the MCP client into connection faults, refused credentials and everything else. */
export function classifyMcpError(err: unknown): McpFaultKind {
  if (err instanceof StreamableHTTPError) {
    return err.code === 401 || err.code === 403 ? 'auth' : 'connection';
  }
  if (err instanceof McpError) {
    return err.code === ErrorCode.ConnectionClosed || err.code === ErrorCode.RequestTimeout ? 'connection' : 'protocol';
  }
  const errno = errnoOf(err);
  if (errno && connectionErrnos.has(errno)) return 'connection';
  // Node's fetch reports a refused or reset connection as `TypeError: fetch failed`, with the errno in `cause`.
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) return 'connection';
  // The SDK's transports say "Not connected" when a request is made after the transport closed.
  if (err instanceof Error && /not connected|connection closed/i.test(err.message)) return 'connection';
  return 'protocol';
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const errno = errnoOf(err);
  return errno && !err.message.includes(errno) ? `${err.message} (${errno})` : err.message;
}

/** Where a server lives, for messages: its command or URL (never header or environment values). */
export function describeServer(spec: McpServerSpec): string {
  return spec.url ? `MCP server "${spec.name}" at ${spec.url}` : `MCP server "${spec.name}" (${spec.command})`;
}

/**
 * Failure messages and causes carry text from outside the worker's code (a server's stderr, a URL, a
 * transport's error), and failures are kept in the run's history: credentials in them are censored here.
 */
function censoredCause(err: unknown): Error | undefined {
  return err instanceof Error ? redactedError(err) : undefined;
}

/** A retryable `McpServerUnavailable`: the next attempt connects again. */
export function serverUnavailable(
  spec: McpServerSpec,
  what: string,
  err: unknown,
  stderrTail = '',
): ApplicationFailure {
  const tail = stderrTail.trim() ? `; its stderr ended with: ${stderrTail.trim()}` : '';
  return ApplicationFailure.create({
    type: ErrorType.McpServerUnavailable,
    message: redactDiagnostic(`${describeServer(spec)} is unavailable: ${what} failed: ${describe(err)}${tail}`),
    nonRetryable: false,
    cause: censoredCause(err),
  });
}

/** A non-retryable `AuthFailed`: the server refused the credentials the worker sent. */
export function serverRefusedCredentials(spec: McpServerSpec, err: unknown): ApplicationFailure {
  const vars = Object.values(spec.headersFromEnv);
  const hint = vars.length ? ` (headers from ${vars.join(', ')})` : ' (no headersFromEnv configured)';
  return ApplicationFailure.create({
    type: ErrorType.AuthFailed,
    message: redactDiagnostic(`${describeServer(spec)} refused the credentials${hint}: ${describe(err)}`),
    nonRetryable: true,
    cause: censoredCause(err),
  });
}

/** A non-retryable `McpServerMisconfigured` naming the missing variable, never any value. */
export function missingEnvironment(spec: McpServerSpec, variable: string, purpose: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.McpServerMisconfigured,
    message: redactDiagnostic(
      `${describeServer(spec)}: environment variable ${variable} (${purpose}) is not set on this worker`,
    ),
    nonRetryable: true,
  });
}

/** Converts a connection or credential fault; anything else is returned as undefined for the caller to map. */
export function transportFailure(
  spec: McpServerSpec,
  what: string,
  err: unknown,
  stderrTail?: string,
): ApplicationFailure | undefined {
  switch (classifyMcpError(err)) {
    case 'connection':
      return serverUnavailable(spec, what, err, stderrTail);
    case 'auth':
      return serverRefusedCredentials(spec, err);
    default:
      return undefined;
  }
}
