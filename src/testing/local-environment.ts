import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';

/**
 * The SDK gives `temporal server start-dev` a fixed five seconds to answer, a limit no option changes. On a loaded
 * two-core CI machine, with other test files starting their own servers, the server can take longer than that, and the
 * SDK then kills it and throws (CI failed once for this alone). The core kills the process before it throws, so
 * another try starts clean.
 */
const STARTUP_TIMEOUT = /did not start within/;

/** TestWorkflowEnvironment.createLocal, tried again (up to 4 times in all) when only the start-up deadline failed. */
export function createLocalEnvironment(options: LocalTestWorkflowEnvironmentOptions): Promise<TestWorkflowEnvironment> {
  return retryStartupTimeout(() => TestWorkflowEnvironment.createLocal(options));
}

/** Calls `start` again while it fails with the SDK's start-up timeout; any other error, or the last one, is thrown. */
export async function retryStartupTimeout<T>(start: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts || !STARTUP_TIMEOUT.test(message)) throw err;
    }
  }
}
