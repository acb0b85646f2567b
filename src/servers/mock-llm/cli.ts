/** `npm run mock-llm [-- --port N]`: the mock LLM server on 127.0.0.1 until Ctrl-C. Prints its URL. */
import { parseArgs } from 'node:util';
import { startMockLlmServer } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, 'default-scenario': { type: 'string' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port ${values.port} is not a port number`);
  const server = await startMockLlmServer({ port, defaultScenario: values['default-scenario'] });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(`mock LLM server listening; set MOCK_LLM_URL=${server.url} for a worker. Ctrl-C stops it.\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock-llm: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
