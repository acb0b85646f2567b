/**
 * Building an AgentClient: from a Temporal Client or Connection an application already has, or from the same
 * TEMPORAL_* settings agentctl and the worker read (address, namespace, TLS / API key, payload keys, tracing).
 */
import { Client, Connection, type DataConverter } from '@temporalio/client';
import { agentSpecsDirFromEnv } from '../config/agent-specs';
import { approvalSecretFromEnv } from '../config/approvals';
import { tokenStreamFromEnv } from '../config/streaming';
import type { TokenBroker } from '../streaming/broker';
import { createPostgresTokenBroker } from '../streaming/postgres';
import { telemetrySettingsFromEnv } from '../config/telemetry';
import { temporalSettingsFromEnv, type TemporalSettings } from '../config/temporal';
import { connectionOptions } from '../config/connection';
import { DurableAgentsError } from '../contracts/errors';
import { oneLine } from '../contracts/text';
import { encryptedDataConverter } from '../security/data-converter';
import { tracingClientInterceptors } from '../telemetry/client';
import { tracingFromSettings, type Tracing } from '../telemetry/tracing';
import { AgentClient } from './agent-client';

/** Long enough for a TLS handshake to Temporal Cloud, short enough that a typo'd address fails fast. */
export const CONNECT_TIMEOUT = '5s';

/** The Temporal server could not be reached within the connect timeout. */
export class TemporalUnreachableError extends DurableAgentsError {
  readonly code = 'TEMPORAL_UNREACHABLE';
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `cannot connect to Temporal at ${address} (${oneLine(cause instanceof Error ? cause.message || cause.name : String(cause))})`,
      {
        cause,
      },
    );
  }
}

/** Options of `createAgentClient`: a Temporal Client, or a Connection with its namespace. */
export type CreateAgentClientOptions = {
  taskQueue?: string;
  approvalSecret?: string;
  /** A folder of the user's own agent specs, found by name beside the shipped ones. */
  specsDir?: string;
  /** The token broker the workers publish live text to; `tokens()` needs it. */
  tokens?: TokenBroker;
} & ({ client: Client } | { connection: Connection; namespace?: string; dataConverter?: DataConverter });

/** An AgentClient over a Temporal Client (or a Connection + namespace + optional data converter). */
export function createAgentClient(options: CreateAgentClientOptions): AgentClient {
  const client =
    'client' in options
      ? options.client
      : new Client({
          connection: options.connection,
          namespace: options.namespace ?? 'default',
          ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
        });
  return new AgentClient({
    client,
    ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
    ...(options.approvalSecret ? { approvalSecret: options.approvalSecret } : {}),
    ...(options.specsDir ? { specsDir: options.specsDir } : {}),
    ...(options.tokens ? { tokens: options.tokens } : {}),
  });
}

/**
 * Connects a Temporal Client eagerly, so an unreachable server surfaces here as one clear error. With payload keys
 * what the client sends is encrypted and what it reads decrypted; with tracing every start, signal and query opens
 * a span whose context travels to the workflow.
 */
export async function connectClient(settings: TemporalSettings, tracing?: Tracing): Promise<Client> {
  // Reading the TLS files comes first and outside the try: a missing file is the user's mistake, not the server's.
  const options = connectionOptions(settings);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: CONNECT_TIMEOUT });
  } catch (err) {
    throw new TemporalUnreachableError(settings.address, err);
  }
  const dataConverter = encryptedDataConverter(settings.payloadKeys);
  return new Client({
    connection,
    namespace: settings.namespace,
    ...(tracing ? { interceptors: tracingClientInterceptors(tracing) } : {}),
    ...(dataConverter ? { dataConverter } : {}),
  });
}

/** An AgentClient that owns its connection: `close()` ends it (and flushes the client's spans). */
export class ConnectedAgentClient extends AgentClient {
  constructor(
    client: Client,
    settings: { taskQueue: string; approvalSecret?: string; specsDir?: string; tokens?: TokenBroker },
    private readonly tracing?: Tracing,
  ) {
    super({
      client,
      taskQueue: settings.taskQueue,
      ...(settings.approvalSecret ? { approvalSecret: settings.approvalSecret } : {}),
      ...(settings.specsDir ? { specsDir: settings.specsDir } : {}),
      ...(settings.tokens ? { tokens: settings.tokens } : {}),
    });
    this.ownTokens = settings.tokens;
  }

  private readonly ownTokens?: TokenBroker;

  async close(): Promise<void> {
    // The spans are exported before the process exits; a collector that is down must not fail the caller.
    await this.tracing?.shutdown().catch(() => undefined);
    await this.ownTokens?.close();
    await this.temporal.connection.close().catch(() => undefined);
  }
}

/** Options of `connectAgentClient`. */
export interface ConnectAgentClientOptions {
  /** The environment to read (default `process.env`): TEMPORAL_*, AGENT_PAYLOAD_KEYS, AGENT_APPROVAL_SECRET, OTEL_*. */
  env?: Record<string, string | undefined>;
  /** The component its spans are tagged with (default `client`; agentctl uses `agentctl`). */
  component?: string;
}

/** Connects from the environment, as agentctl does, and returns a client with `close()`. */
export async function connectAgentClient(options: ConnectAgentClientOptions = {}): Promise<ConnectedAgentClient> {
  const env = options.env ?? process.env;
  const settings = temporalSettingsFromEnv(env);
  const approvalSecret = approvalSecretFromEnv(env);
  const specsDir = agentSpecsDirFromEnv(env);
  const tokenStream = tokenStreamFromEnv(env);
  const tracing = tracingFromSettings(telemetrySettingsFromEnv(env), options.component ?? 'client');
  const client = await connectClient(settings, tracing).catch(async (err: unknown) => {
    await tracing?.shutdown().catch(() => undefined);
    throw err;
  });
  return new ConnectedAgentClient(
    client,
    {
      taskQueue: settings.taskQueue,
      ...(approvalSecret ? { approvalSecret } : {}),
      ...(specsDir ? { specsDir } : {}),
      // AGENT_TOKEN_STREAM_URL: live tokens from workers on other machines, through PostgreSQL.
      ...(tokenStream.url ? { tokens: createPostgresTokenBroker(tokenStream.url) } : {}),
    },
    tracing,
  );
}
