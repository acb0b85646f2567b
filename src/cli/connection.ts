/**
 * The Temporal client agentctl commands use: the same address, namespace, TLS and API key settings as the
 * worker, with a short connect timeout so a stopped server is reported in seconds rather than hanging.
 */
import { Client, Connection } from '@temporalio/client';
import type { TemporalSettings } from '../config';
import { connectionOptions } from '../connection';
import { TemporalUnreachableError } from './errors';

/** Long enough for a TLS handshake to Temporal Cloud, short enough that a typo'd address fails fast. */
export const CONNECT_TIMEOUT = '5s';

/** Connects eagerly, so an unreachable server surfaces here as one clear error. */
export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const options = connectionOptions(settings);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: CONNECT_TIMEOUT });
  } catch (err) {
    throw new TemporalUnreachableError(settings.address, err);
  }
  return new Client({ connection, namespace: settings.namespace });
}

/**
 * A lazily opened client: commands that fail validation never touch the network, and the one connection
 * a command did open is closed at the end so the process exits promptly.
 */
export class LazyClient {
  private pending?: Promise<Client>;

  constructor(private readonly settings: TemporalSettings) {}

  get(): Promise<Client> {
    this.pending ??= connectClient(this.settings);
    return this.pending;
  }

  async close(): Promise<void> {
    if (!this.pending) return;
    const client = await this.pending.catch(() => undefined);
    await client?.connection.close().catch(() => undefined);
  }
}
