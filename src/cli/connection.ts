/**
 * The client agentctl commands use: the client API's own, built from the same address, namespace, TLS, API key,
 * payload key and tracing settings as the worker. Opened lazily, so commands that fail validation never touch the
 * network, and closed at the end so the process exits promptly.
 */
import { approvalSecretFromEnv } from '../config/approvals';
import type { TemporalSettings } from '../config/temporal';
import { tokenStreamFromEnv } from '../config/streaming';
import { connectClient, ConnectedAgentClient } from '../client/connect';
import { createPostgresTokenBroker } from '../streaming/postgres';
import type { Tracing } from '../telemetry/tracing';

/** A lazily opened AgentClient. */
export class LazyClient {
  private pending?: Promise<ConnectedAgentClient>;

  constructor(
    private readonly settings: TemporalSettings,
    private readonly tracing?: Tracing,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  get(): Promise<ConnectedAgentClient> {
    this.pending ??= (async () => {
      // Read here, not at start: only a command that decides needs the secret to be well-formed.
      const approvalSecret = approvalSecretFromEnv(this.env);
      const tokenStream = tokenStreamFromEnv(this.env);
      const client = await connectClient(this.settings, this.tracing);
      return new ConnectedAgentClient(
        client,
        {
          taskQueue: this.settings.taskQueue,
          ...(approvalSecret ? { approvalSecret } : {}),
          // AGENT_TOKEN_STREAM_URL: `watch --tokens` follows the workers' live text through PostgreSQL. The broker
          // connects on first use, so other commands never open it.
          ...(tokenStream.url ? { tokens: createPostgresTokenBroker(tokenStream.url) } : {}),
        },
        this.tracing,
      );
    })();
    return this.pending;
  }

  async close(): Promise<void> {
    if (!this.pending) {
      // The command's spans are exported before the process exits; a collector that is down must not fail it.
      await this.tracing?.shutdown().catch(() => undefined);
      return;
    }
    const client = await this.pending.catch(() => undefined);
    if (client) await client.close();
    else await this.tracing?.shutdown().catch(() => undefined);
  }
}
