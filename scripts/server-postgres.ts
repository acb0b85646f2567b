/**
 * `npm run server:postgres`: a production-shaped Temporal server on PostgreSQL, for trying deployments and load
 * tests locally. Builds Temporal's server and SQL tool at the version the pinned CLI embeds (once, into the cache
 * beside the CLI), applies the schema, runs frontend, history, matching and worker as separate processes with
 * TEMPORAL_HISTORY_SHARDS shards, creates the namespace and our search attributes. Without
 * TEMPORAL_POSTGRES_URL it starts a throwaway PostgreSQL (Debian's package) whose data goes when it stops.
 * Ctrl-C stops everything.
 */
import { z } from 'zod';
import { UserError } from '../src/contracts/errors';
import { startTemporalCluster } from '../src/testing/temporal-server/cluster';
import { installTemporalServer, serverVersionOfCli } from '../src/testing/temporal-server/install';
import { startPostgres } from '../test/helpers/postgres';
import { resolveTemporalCli } from './temporal-cli';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const parsed = z.coerce.number().int().min(min).max(65535).safeParse(raw);
  if (!parsed.success) throw new UserError(`${name} must be an integer from ${min} to 65535, not "${raw}"`);
  return parsed.data;
}

const HELP = `npm run server:postgres [-- --help]

Builds Temporal's server and SQL tool at the version the pinned CLI embeds (once), applies the schema on
PostgreSQL and runs frontend, history, matching and worker as separate processes until Ctrl-C.

  TEMPORAL_POSTGRES_URL    postgres://user:password@host:port/db (default: a throwaway local PostgreSQL)
  TEMPORAL_HISTORY_SHARDS  history shards, at least 4 (default 4)
  TEMPORAL_PORT            frontend port (default 7233)
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const shards = intFromEnv('TEMPORAL_HISTORY_SHARDS', 4, 4);
  const port = intFromEnv('TEMPORAL_PORT', 7233, 1);
  const postgresUrl = process.env.TEMPORAL_POSTGRES_URL;
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new UserError('TEMPORAL_POSTGRES_URL must be a postgres:// URL');
  }
  const cli = await resolveTemporalCli({ allowInstall: true, log });
  if (cli.source === 'sdk-download') throw new UserError('no Temporal CLI binary to read the server version from');
  const binaries = await installTemporalServer(serverVersionOfCli(cli.path), { log });
  const pg = postgresUrl ? undefined : await startPostgres();
  const cluster = await startTemporalCluster({
    binaries,
    postgresUrl: postgresUrl ?? (pg as { url: string }).url,
    historyShards: shards,
    frontendPort: port,
    log,
  }).catch(async (err: unknown) => {
    await pg?.stop();
    throw err;
  });
  log(
    `Temporal ${binaries.version} on PostgreSQL: ${cluster.address}, namespace ${cluster.namespace}, ` +
      `${shards} history shards, services ${JSON.stringify(cluster.pids())}. Ctrl-C stops it.`,
  );
  const stop = (): void => {
    log('stopping the Temporal services...');
    void cluster
      .stop()
      .then(() => pg?.stop())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof UserError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
