/**
 * Connection options for a Temporal cluster, shared by the worker and agentctl: a local dev server by
 * default, TLS / mTLS / API key (Temporal Cloud) when the environment asks for them.
 */
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { UserError } from '../contracts/errors';
import type { TemporalSettings } from './temporal';
import type { PemSource } from './temporal-profile';

/** The PEM of a source: read from its file, where the error names the setting that gave the path. */
function readPem(source: PemSource): Buffer {
  if ('data' in source) return Buffer.from(source.data);
  try {
    return fs.readFileSync(source.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : (code ?? (err as Error).message);
    throw new UserError(`${source.setBy}=${source.path}: cannot read the file (${problem})`);
  }
}

export interface ConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

export function connectionOptions(settings: TemporalSettings): ConnectionOptions {
  const options: ConnectionOptions = { address: settings.address };
  if (settings.tls) {
    const { clientCert, clientKey, serverRootCaCert, serverName } = settings.tls;
    const tls: TLSConfig = {};
    if (serverName) tls.serverNameOverride = serverName;
    if (serverRootCaCert) tls.serverRootCACertificate = readPem(serverRootCaCert);
    if (clientCert && clientKey) tls.clientCertPair = { crt: readPem(clientCert), key: readPem(clientKey) };
    options.tls = Object.keys(tls).length ? tls : true;
  }
  if (settings.apiKey) options.apiKey = settings.apiKey;
  return options;
}
