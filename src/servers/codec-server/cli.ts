/**
 * `npm run codec-server`: serves /encode and /decode for the Temporal Web UI with the keys of
 * AGENT_PAYLOAD_KEYS. Prints its URL first; Ctrl-C stops it.
 */
import { codecServerSettingsFromEnv } from '../../config/codec-server';
import { startCodecServer } from './server';

async function main(): Promise<void> {
  const settings = codecServerSettingsFromEnv();
  const server = await startCodecServer(settings);
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    `codec server: allows browser calls from ${settings.allowedOrigin} only; every request needs "Authorization: Bearer <AGENT_CODEC_TOKEN>"\n`,
  );
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`codec-server: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
