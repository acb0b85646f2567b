/**
 * Reads a profile from Temporal's own client configuration file (`temporal.toml`, the file the `temporal` CLI
 * and every Temporal SDK read), so a team that already keeps its cluster or Temporal Cloud settings there
 * needs no second copy in environment variables. Our `TEMPORAL_*` variables still win field by field.
 */
import fs from 'node:fs';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { UserError } from '../contracts/errors';

type Env = Record<string, string | undefined>;

/** A PEM certificate or key: a file to read, or the PEM itself (`*_data` in temporal.toml). */
export type PemSource = { path: string; setBy: string } | { data: string | Uint8Array; setBy: string };

export interface TemporalProfile {
  /** How the profile is named in messages: `profile "prod" of /home/me/.config/temporalio/temporal.toml`. */
  label: string;
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: {
    disabled: boolean;
    serverName?: string;
    clientCert?: PemSource;
    clientKey?: PemSource;
    serverRootCaCert?: PemSource;
  };
}

function pemSource(source: ConfigDataSource | undefined, setBy: string): PemSource | undefined {
  if (!source) return undefined;
  return 'path' in source ? { path: source.path, setBy } : { data: source.data, setBy };
}

/**
 * The profile named by TEMPORAL_PROFILE (or `default`) from TEMPORAL_CONFIG_FILE (or the SDK's default
 * location). Without a config file and without TEMPORAL_PROFILE there is simply no profile; a profile that was
 * asked for but is missing, or a file that does not parse, is a clear error naming both.
 */
export function temporalProfileFromEnv(env: Env): TemporalProfile | undefined {
  const file = env.TEMPORAL_CONFIG_FILE?.trim() || undefined;
  const name = env.TEMPORAL_PROFILE?.trim() || undefined;
  if (file && !fs.existsSync(file)) throw new UserError(`TEMPORAL_CONFIG_FILE=${file}: no such file`);
  const label = `profile "${name ?? 'default'}"${file ? ` of ${file}` : ''}`;
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({
      ...(name ? { profile: name } : {}),
      ...(file ? { configSource: { path: file } } : {}),
      // Our own variables override field by field below, with our validation and our error messages.
      disableEnv: true,
      overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    });
  } catch (err) {
    throw new UserError(`Temporal config ${label}: ${(err as Error).message}`);
  }
  const { address, namespace, apiKey, tls } = profile;
  if (!address && !namespace && !apiKey && !tls) {
    if (name) throw new UserError(`Temporal config ${label}: the profile sets nothing`);
    return undefined;
  }
  return {
    label,
    ...(address ? { address } : {}),
    ...(namespace ? { namespace } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(tls
      ? {
          tls: {
            disabled: tls.disabled === true,
            ...(tls.serverName ? { serverName: tls.serverName } : {}),
            clientCert: pemSource(tls.clientCert, `${label} tls.client_cert`),
            clientKey: pemSource(tls.clientKey, `${label} tls.client_key`),
            serverRootCaCert: pemSource(tls.serverCACert, `${label} tls.server_ca_cert`),
          },
        }
      : {}),
  };
}
