/**
 * `npm run server`: the Temporal dev server on 127.0.0.1:7233 with the Web UI on :8233 and its data in
 * .temporal/dev.sqlite, so runs survive a restart (TEMPORAL_PORT, TEMPORAL_UI_PORT and TEMPORAL_DB_FILE move
 * them). Builds the pinned CLI first when none is installed. Runs until Ctrl-C or SIGTERM, then stops the server
 * cleanly.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../src/contracts/errors';
import { localDevServerSettingsFromEnv, startDevServer } from './dev-server';
import { resolveTemporalCli, TemporalCliInstallInterrupted } from './temporal-cli';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

const USAGE = `Usage: npm run server [-- --help]

Runs the Temporal dev server (temporal server start-dev) until Ctrl-C: the frontend on 127.0.0.1, the Web UI,
our search attributes, and SQLite data that survives a restart. Builds the pinned Temporal CLI first when
none is found (TEMPORAL_CLI_PATH, then temporal on PATH, then the cache).

Environment:
  TEMPORAL_PORT      frontend port (default 7233)
  TEMPORAL_UI_PORT   Web UI port (default TEMPORAL_PORT + 1000, so 8233)
  TEMPORAL_DB_FILE   SQLite file (default .temporal/dev.sqlite)
  TEMPORAL_CLI_PATH  the temporal binary to run

More: docs/configuration.md`;

/** --help prints the usage; anything else is a mistake, since the server takes its settings from the environment. */
function parseCommandLine(): boolean {
  try {
    return parseArgs({ options: { help: { type: 'boolean', short: 'h' } } }).values.help === true;
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  if (parseCommandLine()) {
    say(USAGE);
    return;
  }
  const { port, uiPort, dbFile } = localDevServerSettingsFromEnv();

  const cli = await resolveTemporalCli({ allowInstall: true, log: say });
  if (cli.path) say(`Temporal CLI (${cli.source}): ${cli.path}`);
  const server = await startDevServer({
    cliPath: cli.path,
    ip: '127.0.0.1',
    port,
    uiPort,
    dbFile,
    log: say,
    onServerOutput: (line) => process.stderr.write(`${line}\n`),
  });
  say('');
  say(`Temporal server: ${server.address} (namespace ${server.namespace})`);
  say(`Web UI:          ${server.uiUrl}`);
  say(`Data:            ${dbFile}`);
  say('Press Ctrl-C to stop.');

  let shutdown: (sig: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => (shutdown = resolve));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const outcome = await Promise.race([signalled, server.exited]);
  process.off('SIGINT', shutdown);
  process.off('SIGTERM', shutdown);
  if (typeof outcome !== 'string') {
    const how = outcome.signal ? `signal ${outcome.signal}` : `code ${outcome.code}`;
    throw new Error(`The Temporal dev server exited unexpectedly (${how}); see its output above`);
  }
  say(`\n${outcome}: stopping the Temporal dev server...`);
  await server.stop();
  say('Stopped.');
}

main().catch((err: unknown) => {
  if (err instanceof UserError || err instanceof TemporalCliInstallInterrupted) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.stderr.write('Hint: is another Temporal server using the ports? Set TEMPORAL_PORT / TEMPORAL_UI_PORT.\n');
  }
  process.exitCode = 1;
});
