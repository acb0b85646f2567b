/**
 * Every way an agentctl command can fail, mapped to one line a person can act on (and, for faults outside
 * the user's control, a hint line). Nothing here prints; `client.ts` does, so each failure is printed once.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  isGrpcServiceError,
  NamespaceNotFoundError,
  ServiceError,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { DurableAgentsError, UserError } from '../contracts/errors';
import { oneLine, truncate } from './output';

/** Exit codes: 2 for a mistake in how agentctl was called (usage), 1 for every other failure. */
export const ExitCode = { Failure: 1, Usage: 2 } as const;

/** The Temporal server could not be reached within the connect timeout. */
export class TemporalUnreachableError extends DurableAgentsError {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(`cannot connect to Temporal at ${address} (${oneLine(errorMessage(cause))})`, { cause });
  }
}

/** A mistake in how agentctl was called: unknown command or flag, a missing or extra argument. */
export class UsageError extends UserError {}

/** A run ended in failure, cancellation, termination or timeout; the message is already the one line to print. */
export class RunFailedError extends DurableAgentsError {}

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

/**
 * One line for a run that did not complete, from its cause chain:
 * WorkflowFailedError → (ActivityFailure →) ApplicationFailure carries the stable failure type.
 */
export function describeRunFailure(workflowId: string, err: WorkflowFailedError): string {
  let activity: string | undefined;
  for (let e: unknown = err.cause; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ActivityFailure) {
      activity = e.activityType;
      continue;
    }
    const where = activity ? ` in activity ${activity}` : '';
    if (e instanceof ApplicationFailure) return `run ${workflowId} failed${where}: ${e.type ?? 'Error'}: ${e.message}`;
    if (e instanceof CancelledFailure) return `run ${workflowId} was cancelled${where}`;
    if (e instanceof TerminatedFailure) return `run ${workflowId} was terminated${e.message ? `: ${e.message}` : ''}`;
    if (e instanceof TimeoutFailure) return `run ${workflowId} timed out${where} (${e.timeoutType ?? 'timeout'})`;
  }
  const leaf = err.cause ?? err;
  return `run ${workflowId} failed: ${leaf.name}: ${leaf.message}`;
}
