/**
 * `npm run api`: connects to Temporal from the TEMPORAL_* settings (as agentctl does), reads AGENT_API_* and
 * serves the HTTP API until SIGINT/SIGTERM.
 */
import { connectAgentClient } from '../../client/connect';
import { apiSettingsFromEnv } from '../../config/api';
import { createLogger } from '../../telemetry/logging';
import { createApiServer } from './app';

async function main(): Promise<void> {
  const settings = apiSettingsFromEnv(process.env);
  const client = await connectAgentClient({ component: 'api' });
  const logger = createLogger('info');
  if (settings.keys.length === 0) {
    logger.warn('no API keys (AGENT_API_KEYS_FILE or AGENT_API_KEYS): every /v1 request will be refused');
  }
  const app = await createApiServer({
    client,
    keys: settings.keys,
    limits: settings.limits,
    corsOrigins: settings.corsOrigins,
    ...(settings.webUiUrl ? { webUiUrl: settings.webUiUrl } : {}),
    ...(settings.consoleDir ? { consoleDir: settings.consoleDir } : {}),
  });
  const address = await app.listen({ host: settings.host, port: settings.port });
  process.stdout.write(`API listening on ${address} (OpenAPI document: ${address}/openapi.json)\n`);
  const stop = (): void => {
    void app
      .close()
      .then(() => client.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`api: ${(err as Error).message}\n`);
  process.exit(1);
});
