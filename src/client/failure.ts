/**
 * One line for a run that did not complete, from its cause chain: WorkflowFailedError → (ActivityFailure →)
 * ApplicationFailure carries the root cause and its stable type. The `state` query only
 * knows the workflow's own error text ("Activity task failed"), so status and result both read the cause here.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
} from '@temporalio/client';
import { RunFailedError } from './errors';

/** Turns the error `handle.result()` threw into a RunFailedError naming the root cause. */
export function runFailure(workflowId: string, err: WorkflowFailedError): RunFailedError {
  let where = '';
  for (let e: unknown = err.cause; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ActivityFailure) {
      where = ` in activity ${e.activityType}`;
      continue;
    }
    if (e instanceof ApplicationFailure) {
      const type = e.type ?? 'Error';
      return new RunFailedError(workflowId, 'failed', `run ${workflowId} failed${where}: ${type}: ${e.message}`, type, {
        cause: err,
      });
    }
    if (e instanceof CancelledFailure)
      return new RunFailedError(workflowId, 'cancelled', `run ${workflowId} was cancelled${where}`, undefined, {
        cause: err,
      });
    if (e instanceof TerminatedFailure)
      return new RunFailedError(
        workflowId,
        'terminated',
        `run ${workflowId} was terminated${e.message ? `: ${e.message}` : ''}`,
        undefined,
        { cause: err },
      );
    if (e instanceof TimeoutFailure)
      return new RunFailedError(
        workflowId,
        'timed_out',
        `run ${workflowId} timed out${where} (${e.timeoutType ?? 'timeout'})`,
        undefined,
        { cause: err },
      );
  }
  const leaf = err.cause ?? err;
  return new RunFailedError(
    workflowId,
    'failed',
    `run ${workflowId} failed: ${leaf.name}: ${leaf.message}`,
    undefined,
    {
      cause: err,
    },
  );
}

/** Converts a WorkflowFailedError into a RunFailedError and rethrows anything else unchanged. */
export function asRunFailure(workflowId: string, err: unknown): unknown {
  return err instanceof WorkflowFailedError ? runFailure(workflowId, err) : err;
}
