/**
 * Every way an agentctl command can fail, mapped to one line a person can act on (and, for faults outside
 * the user's control, a hint line). Nothing here prints; `client.ts` does, so each failure is printed once.
 */
import {
  isGrpcServiceError,
  NamespaceNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '../client/temporal-errors';
import { TemporalUnreachableError } from '../client/connect';
import { RunFailedError } from '../client/errors';
import { DurableAgentsError, UserError } from '../contracts/errors';
import { oneLine, truncate } from './output';

export { RunFailedError, TemporalUnreachableError };

/**
 * Exit codes: 0 the command did what it was asked (a run it waited for completed); 1 a failure (a run that
 * failed, was cancelled, terminated or timed out; a refusal; a fault); 2 a mistake in how agentctl was called;
 * 3 a run that finished without reaching its goal (a graph that ended rejected, limit_reached or budget_exceeded).
 */
export const ExitCode = { Failure: 1, Usage: 2, StoppedShort: 3 } as const;

/** A run ended normally but short of its goal: a graph whose status is rejected, limit_reached or budget_exceeded. */
export class RunStoppedShortError extends DurableAgentsError {}

/** A mistake in how agentctl was called: unknown command or flag, a missing or extra argument. */
export class UsageError extends UserError {}

/** What `client.ts` prints for a failure (`agentctl: message`, then `hint: ...`) and the exit code. */
export interface ErrorReport {
  message: string;
  hint?: string;
  exitCode: number;
}

/** Where the failing command was pointed, for messages and hints. */
export interface ErrorContext {
  address: string;
  namespace: string;
}

const MAX_LINE = 400;

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

const serverHint = (address: string): string => `is the Temporal server running at ${address}? try npm run server`;

/** gRPC status codes that mean the server, not the request, is the problem. */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/** Turns any error a command threw into what to print and the exit code. */
export function reportError(err: unknown, context: ErrorContext | undefined): ErrorReport {
  const line = (text: string): string => truncate(oneLine(text), MAX_LINE);
  const address = context?.address ?? 'localhost:7233';

  if (err instanceof UsageError) return { message: line(err.message), exitCode: ExitCode.Usage };
  if (err instanceof UserError) return { message: line(err.message), exitCode: ExitCode.Failure };
  if (err instanceof RunFailedError) return { message: line(err.message), exitCode: ExitCode.Failure };
  if (err instanceof RunStoppedShortError) return { message: line(err.message), exitCode: ExitCode.StoppedShort };
  if (err instanceof TemporalUnreachableError) {
    return { message: line(err.message), hint: serverHint(err.address), exitCode: ExitCode.Failure };
  }
  if (err instanceof WorkflowNotFoundError) {
    const closed = /already (completed|closed|finished)|not running/i.test(err.message);
    return {
      message: closed
        ? line(`workflow ${err.workflowId} has already closed (${err.message})`)
        : line(`no workflow with id "${err.workflowId}" in namespace ${context?.namespace ?? 'default'}`),
      exitCode: ExitCode.Failure,
    };
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      message: line(`a workflow with id "${err.workflowId}" is already running; pick another --id`),
      exitCode: ExitCode.Failure,
    };
  }
  if (err instanceof NamespaceNotFoundError) {
    return {
      message: line(`namespace "${err.namespace}" does not exist on ${address}`),
      hint: 'set TEMPORAL_NAMESPACE to an existing namespace',
      exitCode: ExitCode.Failure,
    };
  }
  const code = grpcCode(err);
  if (code === UNAVAILABLE || code === DEADLINE_EXCEEDED) {
    return {
      message: line(`lost the connection to Temporal at ${address} (${errorMessage(err)})`),
      hint: serverHint(address),
      exitCode: ExitCode.Failure,
    };
  }
  if (err instanceof ServiceError || code !== undefined) {
    const message = errorMessage(err);
    const searchAttribute = /search attribute/i.test(message);
    return {
      message: line(`Temporal refused the request: ${message}`),
      hint: searchAttribute
        ? 'the agent search attributes are not registered on this server; npm run server registers them'
        : serverHint(address),
      exitCode: ExitCode.Failure,
    };
  }
  const name = err instanceof Error ? err.name : typeof err;
  return {
    message: line(`unexpected ${name}: ${errorMessage(err)}`),
    hint: `this is a fault, not a mistake in the command; ${serverHint(address)}`,
    exitCode: ExitCode.Failure,
  };
}
