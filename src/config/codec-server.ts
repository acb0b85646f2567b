/** Settings of the codec server from the environment (AGENT_PAYLOAD_KEYS, AGENT_CODEC_*). */
import type { CodecServerSettings } from '../servers/codec-server/server';
import { parsePayloadKeys, PAYLOAD_KEYS_VARIABLE } from '../security/payload-codec';
import { UserError } from '../contracts/errors';
import { nonEmpty, type Env } from './values';

/** Settings of `npm run codec-server`; it refuses to start without keys or a token. */
export function codecServerSettingsFromEnv(env: Env = process.env): CodecServerSettings {
  const keys = nonEmpty(env[PAYLOAD_KEYS_VARIABLE]);
  if (!keys) throw new UserError(`${PAYLOAD_KEYS_VARIABLE} is not set; the codec server needs the payload keys`);
  const token = nonEmpty(env.AGENT_CODEC_TOKEN);
  if (!token || token.length < 16) {
    throw new UserError('AGENT_CODEC_TOKEN must be set to a bearer token of at least 16 characters');
  }
  const portText = nonEmpty(env.AGENT_CODEC_PORT) ?? '8888';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`AGENT_CODEC_PORT must be a port number, not "${portText}"`);
  }
  const origin = nonEmpty(env.AGENT_CODEC_ORIGIN) ?? 'http://localhost:8233';
  let allowedOrigin: string;
  try {
    allowedOrigin = new URL(origin).origin;
  } catch {
    throw new UserError(`AGENT_CODEC_ORIGIN must be an origin such as http://localhost:8233, not "${origin}"`);
  }
  return {
    host: nonEmpty(env.AGENT_CODEC_HOST) ?? '127.0.0.1',
    port,
    allowedOrigin,
    token,
    keys: parsePayloadKeys(keys),
  };
}
