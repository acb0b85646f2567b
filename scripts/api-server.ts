/** Starts the HTTP API beside a local stack (`npm run dev`, `npm run demo -- --api`) and prints its URL. */
import { AgentClient } from '../src/client/agent-client';
import { connectClient } from '../src/client/connect';
import { apiSettingsFromEnv } from '../src/config/api';
import type { Config } from '../src/config/env';
import { createApiServer } from '../src/servers/api/app';
import type { TokenBroker } from '../src/streaming/broker';

/** A running API and how to stop it. */
export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the API on AGENT_API_HOST/PORT against the stack's Temporal server. `tokens` is the broker the stack's
 * worker publishes to (LocalStack.tokens); without it the SSE stream carries run events only.
 */
export async function startApiServer(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  tokens?: TokenBroker,
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
    keys: settings.keys,
    limits: settings.limits,
    corsOrigins: settings.corsOrigins,
    webUiUrl: settings.webUiUrl ?? config.temporal.webUiUrl,
  });
  const url = await app.listen({ host: settings.host, port: settings.port });
  process.stdout.write(
    `HTTP API: ${url} (OpenAPI: ${url}/openapi.json; ${settings.keys.length} API key(s) from AGENT_API_KEYS_FILE / AGENT_API_KEYS)\n`,
  );
  return {
    url,
    stop: async () => {
      await app.close();
      await temporal.connection.close().catch(() => undefined);
    },
  };
}
