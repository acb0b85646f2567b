/**
 * `npm run server`: the Temporal dev server on 127.0.0.1:7233 with the Web UI on :8233 and its data in
 * .temporal/dev.sqlite, so runs survive a restart. Builds the pinned CLI first when none is installed. Runs until
 * Ctrl-C or SIGTERM, then stops the server cleanly.
 *
 * Overrides: TEMPORAL_PORT, TEMPORAL_UI_PORT, TEMPORAL_DB_FILE.
 */
import path from 'node:path';
import { UserError } from '../src/contracts/errors';
import { startDevServer } from './dev-server';
import { resolveTemporalCli, TemporalCliInstallInterrupted } from './temporal-cli';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`${name}=${raw} is not a port number`);
  return port;
}

async function main(): Promise<void> {
  const port = portFromEnv('TEMPORAL_PORT', 7233);
  const uiPort = portFromEnv('TEMPORAL_UI_PORT', 8233);
  const dbFile = path.resolve(process.env.TEMPORAL_DB_FILE || path.join(__dirname, '..', '.temporal', 'dev.sqlite'));

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
