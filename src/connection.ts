/**
 * Connection options for a Temporal cluster, shared by the worker and agentctl: a local dev server by
 * default, TLS / mTLS / API key (Temporal Cloud) when the environment asks for them.
 */
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { UserError } from './common/errors';
import type { TemporalSettings } from './config';

/** Reads a PEM file named by an environment variable; the error names the variable and what is wrong. */
function readPem(path: string, variable: string): Buffer {
  try {
    return fs.readFileSync(path);
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
    throw new UserError(`${variable}=${path}: cannot read the file (${problem})`);
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
    const { clientCertPath, clientKeyPath, serverRootCaCertPath, serverName } = settings.tls;
    const tls: TLSConfig = {};
    if (serverName) tls.serverNameOverride = serverName;
    if (serverRootCaCertPath)
      tls.serverRootCACertificate = readPem(serverRootCaCertPath, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH');
    if (clientCertPath && clientKeyPath) {
      tls.clientCertPair = {
        crt: readPem(clientCertPath, 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
        key: readPem(clientKeyPath, 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
      };
    }
    options.tls = Object.keys(tls).length ? tls : true;
  }
  if (settings.apiKey) options.apiKey = settings.apiKey;
  return options;
}
