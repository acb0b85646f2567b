/**
 * Releases a worker's resources once it has stopped. The SDK's Worker has no shutdown hook, and
 * `createAgentWorker` must keep returning a plain `Worker`, so the instance's `run` is wrapped: whatever
 * way the worker stops (shutdown(), a signal, a fatal error), the cleanup runs after `run` settles.
 * `runUntil` calls `run` on the instance, so it is covered too.
 */
import type { Worker } from '@temporalio/worker';

/** Runs `cleanup` after the worker's `run()` resolves or rejects; a cleanup failure is logged, never thrown. */
export function onWorkerStopped(worker: Worker, cleanup: () => Promise<void>, onError?: (err: unknown) => void): void {
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      return await run();
    } finally {
      // A connection that will not close must not hide how the worker itself ended.
      await cleanup().catch((err: unknown) => onError?.(err));
    }
  };
}
