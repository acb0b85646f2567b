/**
 * `npm run dev`: the Temporal dev server and an agent worker (plus the mock LLM server when no API key is
 * set), kept running until Ctrl-C, which stops the worker gracefully and then the server.
 */
import { startLocalStack } from './local-stack';

async function main(): Promise<void> {
  const stack = await startLocalStack();
  if (stack.offline) {
    process.stdout.write(
      `Offline: start runs with a mock model, e.g. npx agentctl start research-assistant --model mock:research-assistant\n`,
    );
  }
  process.stdout.write('Running. Ctrl-C stops the worker and the server.\n');
  // The Temporal runtime turns SIGINT/SIGTERM into a graceful worker shutdown; then we stop the rest.
  await stack.workerRun;
  await stack.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`dev: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
