/**
 * The HTTP API's settings from the environment: where it listens, its API keys (a YAML/JSON file, or the same
 * document inline), CORS origins, limits and the Web UI base URL for links.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { UserError } from '../contracts/errors';
import { apiKeysDocumentSchema, apiKeysFrom, type ApiKey } from '../servers/api/auth';
import type { ApiLimits } from '../servers/api/app';
import { nonEmpty, type Env } from './values';

export interface ApiSettings {
  host: string;
  port: number;
  keys: ApiKey[];
  corsOrigins: string[];
  limits: ApiLimits;
  webUiUrl?: string;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new UserError(`${name} must be a whole number, not "${raw}"`);
  return value;
}

function keysFrom(text: string, where: string): ApiKey[] {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new UserError(`${where} is not YAML or JSON: ${(err as Error).message}`);
  }
  const parsed = apiKeysDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ');
    throw new UserError(`${where}: ${problems}`);
  }
  try {
    return apiKeysFrom(parsed.data);
  } catch (err) {
    throw new UserError(`${where}: ${(err as Error).message}`);
  }
}

/** AGENT_API_* settings. */
export function apiSettingsFromEnv(env: Env = process.env): ApiSettings {
  const keysFile = nonEmpty(env.AGENT_API_KEYS_FILE);
  const keysInline = nonEmpty(env.AGENT_API_KEYS);
  const keys: ApiKey[] = [];
  if (keysFile) {
    let text: string;
    try {
      text = fs.readFileSync(keysFile, 'utf8');
    } catch (err) {
      throw new UserError(`AGENT_API_KEYS_FILE ${keysFile}: ${(err as Error).message}`);
    }
    keys.push(...keysFrom(text, `AGENT_API_KEYS_FILE ${keysFile}`));
  }
  if (keysInline) keys.push(...keysFrom(keysInline, 'AGENT_API_KEYS'));
  const webUiUrl = nonEmpty(env.TEMPORAL_UI_URL);
  return {
    host: nonEmpty(env.AGENT_API_HOST) ?? '127.0.0.1',
    port: positiveInt(env, 'AGENT_API_PORT', 8080),
    keys,
    corsOrigins: (nonEmpty(env.AGENT_API_CORS_ORIGINS) ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    limits: {
      bodyLimitBytes: positiveInt(env, 'AGENT_API_BODY_LIMIT_BYTES', 1024 * 1024),
      rateLimitMax: positiveInt(env, 'AGENT_API_RATE_LIMIT', 600),
      rateLimitWindowMs: positiveInt(env, 'AGENT_API_RATE_WINDOW_MS', 60_000),
    },
    ...(webUiUrl ? { webUiUrl } : {}),
  };
}
