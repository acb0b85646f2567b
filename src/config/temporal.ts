/**
 * Temporal connection settings from the environment: a profile of Temporal's own `temporal.toml`, overridden
 * field by field by our `TEMPORAL_*` variables. Shared by the worker and agentctl.
 */
import { DEFAULT_TASK_QUEUE } from '../contracts/agent-contract';
import { parsePayloadKeys, PAYLOAD_KEYS_VARIABLE, type PayloadKeyring } from '../security/payload-codec';
import { temporalProfileFromEnv, type PemSource } from './temporal-profile';
import { UserError } from '../contracts/errors';
import { nonEmpty, type Env } from './values';

/** Where and how to reach the Temporal cluster; connection.ts turns this into client connection options. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS is on when any TLS setting or an API key is given (Temporal Cloud needs TLS). */
  tls?: { clientCert?: PemSource; clientKey?: PemSource; serverRootCaCert?: PemSource; serverName?: string };
  apiKey?: string;
  webUiUrl: string;
  /** AES-256-GCM keys for payloads (AGENT_PAYLOAD_KEYS); when set, clients and workers encrypt every payload. */
  payloadKeys?: PayloadKeyring;
}

/**
 * Connection settings: a profile of Temporal's own `temporal.toml` when there is one (TEMPORAL_CONFIG_FILE,
 * TEMPORAL_PROFILE), overridden field by field by our `TEMPORAL_*` variables; a local dev server otherwise.
 */
export function temporalSettingsFromEnv(env: Env = process.env): TemporalSettings {
  const profile = temporalProfileFromEnv(env);
  const pemFrom = (variable: string): PemSource | undefined => {
    const file = nonEmpty(env[variable]);
    return file ? { path: file, setBy: variable } : undefined;
  };
  const envCert = pemFrom('TEMPORAL_TLS_CLIENT_CERT_PATH');
  const envKey = pemFrom('TEMPORAL_TLS_CLIENT_KEY_PATH');
  if (Boolean(envCert) !== Boolean(envKey)) {
    throw new UserError(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together (mTLS needs both)',
    );
  }
  if (env.TEMPORAL_TLS !== undefined && !['', 'true', 'false'].includes(env.TEMPORAL_TLS.trim())) {
    throw new UserError(`TEMPORAL_TLS must be true or false, not "${env.TEMPORAL_TLS}"`);
  }
  const clientCert = envCert ?? profile?.tls?.clientCert;
  const clientKey = envKey ?? profile?.tls?.clientKey;
  if (Boolean(clientCert) !== Boolean(clientKey)) {
    throw new UserError(`Temporal config ${profile?.label}: tls needs both a client certificate and a client key`);
  }
  const serverRootCaCert = pemFrom('TEMPORAL_TLS_SERVER_CA_CERT_PATH') ?? profile?.tls?.serverRootCaCert;
  const serverName = nonEmpty(env.TEMPORAL_TLS_SERVER_NAME) ?? profile?.tls?.serverName;
  const apiKey = nonEmpty(env.TEMPORAL_API_KEY) ?? profile?.apiKey;
  const tlsSwitch = nonEmpty(env.TEMPORAL_TLS);
  const payloadKeys = nonEmpty(env[PAYLOAD_KEYS_VARIABLE]);
  const wantsTls =
    tlsSwitch === 'true' ||
    (tlsSwitch !== 'false' &&
      profile?.tls?.disabled !== true &&
      Boolean(clientCert || serverRootCaCert || apiKey || profile?.tls));
  return {
    address: nonEmpty(env.TEMPORAL_ADDRESS) ?? profile?.address ?? 'localhost:7233',
    namespace: nonEmpty(env.TEMPORAL_NAMESPACE) ?? profile?.namespace ?? 'default',
    taskQueue: nonEmpty(env.TEMPORAL_TASK_QUEUE) ?? DEFAULT_TASK_QUEUE,
    tls: wantsTls ? { clientCert, clientKey, serverRootCaCert, serverName } : undefined,
    apiKey,
    webUiUrl: (nonEmpty(env.TEMPORAL_UI_URL) ?? 'http://localhost:8233').replace(/\/$/, ''),
    ...(payloadKeys ? { payloadKeys: parsePayloadKeys(payloadKeys) } : {}),
  };
}
