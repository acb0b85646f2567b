/**
 * The idempotency key a tool call carries: the same on every attempt and every replay of one call, different
 * for every other call. Runs that start after the `idempotency-key-per-execution` patch also include the run
 * id, so a reset (which re-runs calls under a new run id), a continue-as-new or a new run that reuses the
 * workflow id never collides with the keys of an earlier run. The run id, not the first execution's run id:
 * a reset keeps the latter, so a re-run call would pass for the call it replaces. Older runs keep the key they
 * started with, so a retried call still recognises itself.
 */
import { patched, workflowInfo } from '@temporalio/workflow';
import { IDEMPOTENCY_KEY_PATCH } from '../kernel/patches';

/** The key of the call named `callId` within this run: `<workflowId>:<runId>:<callId>`. */
export function idempotencyKey(callId: string): string {
  const info = workflowInfo();
  if (patched(IDEMPOTENCY_KEY_PATCH)) return `${info.workflowId}:${info.runId}:${callId}`;
  return `${info.workflowId}:${callId}`;
}

/** The key of an agent's tool call: `step` is the 1-based model turn, `call` its 1-based place in that turn. */
export function toolIdempotencyKey(step: number, call: number): string {
  return idempotencyKey(`step-${step}:call-${call}`);
}
