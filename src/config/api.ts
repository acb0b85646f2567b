/**
 * The HTTP API's settings from the environment: where it listens, its API keys (a YAML/JSON file, or the same
 * document inline), CORS origins, limits and the Web UI base URL for links.
 */
import fs from 'node:fs';
import path from 'node:path';
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
  /** The built console served under /console (AGENT_CONSOLE_DIR, else the package's dist/console when built). */
  consoleDir?: string;
}

/** Where `npm run build:console` puts the console: dist/console at the package root. */
export const DEFAULT_CONSOLE_DIR = path.resolve(__dirname, '../../dist/console');

/** AGENT_CONSOLE_DIR (which must hold index.html), else the default folder when a console was built there. */
export function consoleDirFrom(env: Env, defaultDir = DEFAULT_CONSOLE_DIR): string | undefined {
  const given = nonEmpty(env.AGENT_CONSOLE_DIR);
  if (given) {
    if (!fs.existsSync(path.join(given, 'index.html'))) {
      throw new UserError(`AGENT_CONSOLE_DIR ${given} holds no index.html (build it with npm run build:console)`);
    }
    return path.resolve(given);
  }
  return fs.existsSync(path.join(defaultDir, 'index.html')) ? defaultDir : undefined;
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
  const consoleDir = consoleDirFrom(env);
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
    ...(consoleDir ? { consoleDir } : {}),
  };
}
