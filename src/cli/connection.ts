/**
 * The Temporal client agentctl commands use: the same address, namespace, TLS and API key settings as the
 * worker, with a short connect timeout so a stopped server is reported in seconds rather than hanging.
 */
import { Client, Connection } from '@temporalio/client';
import type { TemporalSettings } from '../config/temporal';
import { connectionOptions } from '../config/connection';
import { tracingClientInterceptors } from '../telemetry/client';
import type { Tracing } from '../telemetry/tracing';
import { encryptedDataConverter } from '../security/data-converter';
import { TemporalUnreachableError } from './errors';

/** Long enough for a TLS handshake to Temporal Cloud, short enough that a typo'd address fails fast. */
export const CONNECT_TIMEOUT = '5s';

/**
 * Connects eagerly, so an unreachable server surfaces here as one clear error. With tracing, every start, signal
 * and query opens a span whose context travels to the workflow, so a run's trace begins here.
 */
export async function connectClient(settings: TemporalSettings, tracing?: Tracing): Promise<Client> {
  const options = connectionOptions(settings);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: CONNECT_TIMEOUT });
  } catch (err) {
    throw new TemporalUnreachableError(settings.address, err);
  }
  // With payload keys set, what agentctl sends is encrypted and what it reads (state, results) is decrypted.
  const dataConverter = encryptedDataConverter(settings.payloadKeys);
  return new Client({
    connection,
    namespace: settings.namespace,
    ...(tracing ? { interceptors: tracingClientInterceptors(tracing) } : {}),
    ...(dataConverter ? { dataConverter } : {}),
  });
}

/**
 * A lazily opened client: commands that fail validation never touch the network, and the one connection
 * a command did open is closed at the end so the process exits promptly.
 */
export class LazyClient {
  private pending?: Promise<Client>;

  constructor(
    private readonly settings: TemporalSettings,
    private readonly tracing?: Tracing,
  ) {}

  get(): Promise<Client> {
    this.pending ??= connectClient(this.settings, this.tracing);
    return this.pending;
  }

  async close(): Promise<void> {
    // The command's spans are exported before the process exits; a collector that is down must not fail it.
    await this.tracing?.shutdown().catch(() => undefined);
    if (!this.pending) return;
    const client = await this.pending.catch(() => undefined);
    await client?.connection.close().catch(() => undefined);
  }
}
