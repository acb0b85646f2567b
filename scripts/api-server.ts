/** Starts the HTTP API beside a local stack (`npm run dev`, `npm run demo -- --api`) and prints its URL. */
import { AgentClient } from '../src/client/agent-client';
import { connectClient } from '../src/client/connect';
import { apiSettingsFromEnv } from '../src/config/api';
import type { Config } from '../src/config/env';
import { createApiServer } from '../src/servers/api/app';
import type { ApiKey } from '../src/servers/api/auth';
import type { TokenBroker } from '../src/streaming/broker';

/** A running API and how to stop it. */
export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

/** What the stack adds to the API's settings from the environment. */
export interface LocalApiOptions {
  /** The broker the stack's worker publishes to (LocalStack.tokens); without it SSE carries run events only. */
  tokens?: TokenBroker;
  /** Keys beside those of AGENT_API_KEYS_FILE / AGENT_API_KEYS (the demo's own, held in memory only). */
  extraKeys?: ApiKey[];
}

/** Serves the API on AGENT_API_HOST/PORT against the stack's Temporal server. */
export async function startApiServer(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  { tokens, extraKeys = [] }: LocalApiOptions = {},
): Promise<RunningApi> {
  const settings = apiSettingsFromEnv(env);
  const temporal = await connectClient(config.temporal);
  const client = new AgentClient({
    client: temporal,
    taskQueue: config.temporal.taskQueue,
    ...(config.approvalSecret ? { approvalSecret: config.approvalSecret } : {}),
    ...(tokens ? { tokens } : {}),
  });
  const app = await createApiServer({
    client,
    keys: [...settings.keys, ...extraKeys],
    limits: settings.limits,
    corsOrigins: settings.corsOrigins,
    webUiUrl: settings.webUiUrl ?? config.temporal.webUiUrl,
    // The built console (AGENT_CONSOLE_DIR, else dist/console once `npm run build:console` ran) at /console.
    ...(settings.consoleDir ? { consoleDir: settings.consoleDir } : {}),
  });
  const url = await app.listen({ host: settings.host, port: settings.port });
  process.stdout.write(
    `HTTP API: ${url} (OpenAPI: ${url}/openapi.json; ${settings.keys.length} API key(s) from AGENT_API_KEYS_FILE / AGENT_API_KEYS` +
      `${extraKeys.length > 0 ? `, and ${extraKeys.map((k) => `'${k.name}'`).join(', ')} held in memory` : ''})\n`,
  );
  return {
    url,
    stop: async () => {
      await app.close();
      await temporal.connection.close().catch(() => undefined);
    },
  };
}
