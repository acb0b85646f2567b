/**
 * `npm run mock-llm [-- --port N] [--scenarios DIR]`: the mock LLM server on 127.0.0.1 until Ctrl-C. Prints its URL
 * on stdout (the one line a script reads), and what it plays on stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultScenarioDir, startMockLlmServer } from './server';
import { loadScenarioDir, type Scenario } from './scenario';

const usage = (shipped: Record<string, Scenario>): string =>
  [
    'Usage: npm run mock-llm -- [--port N] [--host ADDRESS] [--scenarios DIR]... [--default-scenario NAME]',
    '',
    'The mock LLM server: OpenAI Chat Completions (POST /v1/chat/completions) and Anthropic Messages',
    '(POST /v1/messages) played from scripted scenarios. A request picks its scenario by its model name',
    '(mock:<scenario> on a worker sends <scenario>) or the x-mock-scenario header. Prints its URL; give it to a',
    'worker as MOCK_LLM_URL. Writing a scenario: docs/mock-llm.md.',
    '',
    'Options:',
    '  --port N                 port to listen on (default 0: a free port)',
    '  --host ADDRESS           address to listen on (default 127.0.0.1)',
    '  --scenarios DIR          also load every .yaml, .yml and .json file in DIR as a scenario named after the',
    '                           file; repeatable; a name already taken (shipped or an earlier DIR) is replaced',
    '  --default-scenario NAME  the scenario for requests that name none',
    '  -h, --help               show this help',
    '',
    `Shipped scenarios (${path.relative(process.cwd(), defaultScenarioDir) || defaultScenarioDir}):`,
    ...Object.entries(shipped).map(([name, s]) => `  ${name.padEnd(28)} ${firstSentence(s.description)}`),
    '',
    'Routes: POST /v1/chat/completions, POST /v1/messages, GET /health, GET|DELETE /__log, PUT /__scenarios/NAME',
  ].join('\n');

function firstSentence(text: string | undefined): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.:;]\s|\s-\s/);
  return end > 0 ? flat.slice(0, end) : flat.replace(/\.$/, '');
}

class UsageError extends Error {}

/** Loads each --scenarios folder in order; a missing or empty folder is a mistake worth stopping for. */
function loadUserScenarios(dirs: string[]): Record<string, Scenario> {
  const scenarios: Record<string, Scenario> = {};
  for (const dir of dirs) {
    const full = path.resolve(dir);
    if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) {
      throw new UsageError(`--scenarios ${dir}: no such folder`);
    }
    const found = loadScenarioDir(full);
    if (Object.keys(found).length === 0) {
      throw new UsageError(`--scenarios ${dir}: the folder holds no .yaml, .yml or .json scenario file`);
    }
    Object.assign(scenarios, found);
  }
  return scenarios;
}

async function main(): Promise<void> {
  const shipped = loadScenarioDir(defaultScenarioDir);
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        scenarios: { type: 'string', multiple: true, default: [] },
        'default-scenario': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage(shipped)}`);
  }
  if (values.help) {
    process.stdout.write(`${usage(shipped)}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port ${values.port} is not a port number`);
  }
  const own = loadUserScenarios(values.scenarios);
  const known = new Set([...Object.keys(shipped), ...Object.keys(own)]);
  const fallback = values['default-scenario'];
  if (fallback !== undefined && !known.has(fallback)) {
    throw new UsageError(`--default-scenario ${fallback}: no such scenario (see --help for the list)`);
  }
  const server = await startMockLlmServer({ host: values.host, port, scenarios: own, defaultScenario: fallback });
  process.stdout.write(`${server.url}\n`);
  if (Object.keys(own).length > 0) {
    const replaced = Object.keys(own).filter((name) => name in shipped);
    process.stderr.write(
      `Loaded ${Object.keys(own).length} scenario(s) of your own: ${Object.keys(own).join(', ')}` +
        `${replaced.length ? ` (replacing the shipped ${replaced.join(', ')})` : ''}\n`,
    );
  }
  process.stderr.write(`mock LLM server listening; set MOCK_LLM_URL=${server.url} for a worker. Ctrl-C stops it.\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock-llm: ${(err as Error).message}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
