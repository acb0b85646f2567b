/**
 * `npx tsx scripts/install-temporal-cli.ts`: resolves the Temporal CLI, building the pinned version when needed, and
 * prints its path. CI runs it before the tests so the long first build is a step of its own, with its progress.
 */
import { UserError } from '../src/contracts/errors';
import { resolveTemporalCli, TemporalCliInstallInterrupted } from './temporal-cli';

async function main(): Promise<void> {
  const cli = await resolveTemporalCli({ allowInstall: true, log: (line) => process.stderr.write(`${line}\n`) });
  if (cli.source === 'sdk-download') {
    process.stdout.write(
      'No Temporal CLI binary here; the Temporal SDK will download one when a test starts a server\n',
    );
    return;
  }
  process.stdout.write(`Temporal CLI (${cli.source}): ${cli.path}\n`);
}

main().catch((err: unknown) => {
  if (err instanceof UserError || err instanceof TemporalCliInstallInterrupted) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.stderr.write('Hint: set TEMPORAL_CLI_PATH to an installed temporal binary to skip the build.\n');
  }
  process.exitCode = 1;
});
