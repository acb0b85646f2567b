/**
 * `npm run dev`: the Temporal dev server and an agent worker (plus the mock LLM server when no API key is
 * set), kept running until Ctrl-C, which stops the worker gracefully and then the server.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../src/contracts/errors';
import { startApiServer } from './api-server';
import { startLocalStack } from './local-stack';

const USAGE = `Usage: npm run dev [-- --help]

Starts the Temporal dev server (or reuses one on TEMPORAL_PORT), an agent worker with its model workers and,
with no OPENAI_API_KEY or ANTHROPIC_API_KEY, the shipped mock LLM server, and the HTTP API (docs/api.md); runs until Ctrl-C, which stops the
worker gracefully and then what it started.

Environment:
  TEMPORAL_PORT, TEMPORAL_UI_PORT, TEMPORAL_DB_FILE   the dev server (default 7233, TEMPORAL_PORT + 1000,
                                                      .temporal/dev.sqlite)
  TEMPORAL_ADDRESS                                    use a running server instead of starting one
  AGENT_API_PORT, AGENT_API_KEYS_FILE, AGENT_API_KEYS       the HTTP API (default 127.0.0.1:8080)
  OPENAI_API_KEY, ANTHROPIC_API_KEY, AGENT_TOOLS_MODULE, ...   as for npm run worker
More: docs/configuration.md`;

function wantsHelp(args: string[]): boolean {
  try {
    return parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } }).values.help === true;
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const stack = await startLocalStack();
  if (stack.offline) {
    process.stdout.write(
      `Offline: start runs with a mock model, e.g. npx agentctl start research-assistant --model mock:research-assistant\n`,
    );
  }
  const api = await startApiServer(stack.config, process.env, { tokens: stack.tokens });
  process.stdout.write('Running. Ctrl-C stops the worker and the server.\n');
  // The Temporal runtime turns SIGINT/SIGTERM into a graceful worker shutdown; then we stop the rest.
  await stack.workerRun;
  await api.stop();
  await stack.stop();
  process.stdout.write('Stopped.\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`dev: ${(err as Error).message}\n`);
  // Exit now: the Temporal runtime, once started, keeps the process alive even after everything was stopped.
  process.exit(1);
});
