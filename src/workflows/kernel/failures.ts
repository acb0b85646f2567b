/**
 * What an activity's failure says, seen from workflow code: an awaited activity throws ActivityFailure, and the
 * activity's own ApplicationFailure (with its ErrorType) is its cause. Workflows decide by that type, never by
 * message text.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The error the activity itself threw when `err` is an ActivityFailure; `err` otherwise. */
export function activityCause(err: unknown): unknown {
  return err instanceof ActivityFailure ? err.cause : err;
}

/** The ApplicationFailure behind `err` (an activity's, or `err` itself), if there is one. */
export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  const cause = activityCause(err);
  return cause instanceof ApplicationFailure ? cause : undefined;
}

/** The failure `type` behind `err`, if it carries one. */
export function failureTypeOf(err: unknown): string | undefined {
  return applicationFailureOf(err)?.type ?? undefined;
}
