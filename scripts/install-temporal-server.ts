/**
 * `npx tsx scripts/install-temporal-server.ts`: builds Temporal's server and SQL tool at the server version the
 * pinned CLI embeds (once; cached beside the CLI) and prints where. CI runs it as a step of its own before the
 * tests, so the long first build shows its progress there rather than inside a test's timeout.
 */
import { installTemporalServer, serverVersionOfCli } from '../src/testing/temporal-server/install';
import { resolveTemporalCli } from './temporal-cli';

async function main(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const cli = await resolveTemporalCli({ allowInstall: true, log });
  if (cli.source === 'sdk-download') throw new Error('no Temporal CLI binary to read the server version from');
  const binaries = await installTemporalServer(serverVersionOfCli(cli.path), { log });
  process.stdout.write(`Temporal server ${binaries.version}: ${binaries.server}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
