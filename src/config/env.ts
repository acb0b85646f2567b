/**
 * The one place that reads the environment. Everything else receives these typed settings, so tests
 * build a config by hand and nothing reaches for `process.env` behind their back.
 */
import path from 'node:path';
import { z } from 'zod';
import type { CodeRunnerSettings } from '../activities/tools/code-runner';
import type { HttpFetchSettings } from '../activities/tools/http-fetch';
import { DEFAULT_TASK_QUEUE } from '../contracts/agent-contract';
import fs from 'node:fs';
import { UserError } from '../contracts/errors';
import { providers as providerNames, type Provider } from '../contracts/model-id';
import { parsePriceTable, type ModelPrice } from '../contracts/pricing';
import { parsePayloadKeys, PAYLOAD_KEYS_VARIABLE, type PayloadKeyring } from '../security/payload-codec';
import { temporalProfileFromEnv, type PemSource } from './temporal-profile';
import { defaultStateDir } from './state-dirs';

export interface ProviderSettings {
  openai?: { apiKey: string; baseURL?: string };
  anthropic?: { apiKey: string; baseURL?: string };
  /** The shipped mock LLM server; `mock:<scenario>` model ids go here over the chosen wire format. */
  mock?: { baseURL: string; wire: 'openai' | 'anthropic' };
}

/**
 * Where conversations passed by reference are kept: files on this machine (the default), or PostgreSQL when
 * several worker machines serve the same runs.
 */
export type ConversationStoreSettings = { kind: 'file'; dir: string } | { kind: 'postgres'; url: string };

/** The file store's folder unless CONVERSATION_STORE_DIR says otherwise: the worker user's own (see state-dirs.ts). */
export const defaultConversationStoreDir = (): string => defaultStateDir('conversations');

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

/** Traces and metrics; everything is off unless the environment turns it on. */
export interface TelemetrySettings {
  /**
   * Where spans go (`OTEL_TRACES_EXPORTER`): `otlp` (OTLP over HTTP; the exporter reads the standard
   * `OTEL_EXPORTER_OTLP_*` variables for endpoint, headers and timeout), `console`, or `none`.
   */
  tracesExporter: 'otlp' | 'console' | 'none';
  /** `service.name` of the spans (`OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** `host:port` the Temporal runtime serves Prometheus metrics on, under `/metrics` (`TEMPORAL_PROMETHEUS_BIND`). */
  prometheusBind?: string;
}

export interface Config {
  temporal: TemporalSettings;
  providers: ProviderSettings;
  workspaceDir: string;
  knowledgeBaseDir: string;
  logLevel: string;
  /** A module exporting `tools` (made with defineTool) that the worker registers beside the built-ins. */
  toolsModule?: string;
  /** http_fetch: allow-list and limits (HTTP_FETCH_*); unset fields keep the tool's defaults. */
  httpFetch: Partial<HttpFetchSettings>;
  /** run_javascript: limits and approval (RUN_JAVASCRIPT_*); unset fields keep the tool's defaults. */
  codeRunner: Partial<CodeRunnerSettings>;
  telemetry: TelemetrySettings;
  conversationStore: ConversationStoreSettings;
  /** Prices from AGENT_PRICES_FILE, overriding or extending the built-in table. */
  prices?: Record<string, ModelPrice>;
  /** Model calls per second per provider, across all workers (AGENT_RATE_LIMIT_<PROVIDER>). */
  rateLimits: Partial<Record<Provider, number>>;
  /** The HMAC secret approval decisions are signed with (AGENT_APPROVAL_SECRET); only the worker checks it. */
  approvalSecret?: string;
}

/** Reads AGENT_PRICES_FILE: JSON `{ "provider:model": { input, cachedInput?, output } }`, USD per million tokens. */
export function pricesFromEnv(env: Env = process.env): Record<string, ModelPrice> | undefined {
  const file = nonEmpty(env.AGENT_PRICES_FILE);
  if (!file) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`AGENT_PRICES_FILE ${file}: ${(err as Error).message}`);
  }
  try {
    return parsePriceTable(raw, `AGENT_PRICES_FILE ${file}`);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/** Reads AGENT_RATE_LIMIT_OPENAI, AGENT_RATE_LIMIT_ANTHROPIC, AGENT_RATE_LIMIT_MOCK: model calls per second. */
export function rateLimitsFromEnv(env: Env = process.env): Partial<Record<Provider, number>> {
  const limits: Partial<Record<Provider, number>> = {};
  for (const provider of providerNames) {
    const name = `AGENT_RATE_LIMIT_${provider.toUpperCase()}`;
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    const rate = Number(value);
    if (!Number.isFinite(rate) || rate <= 0)
      throw new UserError(`${name} must be a positive number of model calls per second, not "${value}"`);
    limits[provider] = rate;
  }
  return limits;
}

type Env = Record<string, string | undefined>;

const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() ? v.trim() : undefined);

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

export function providerSettingsFromEnv(env: Env = process.env): ProviderSettings {
  const providers: ProviderSettings = {};
  const openaiKey = nonEmpty(env.OPENAI_API_KEY);
  const openaiBase = nonEmpty(env.OPENAI_BASE_URL);
  // An OpenAI-compatible local server (Ollama, vLLM, LM Studio) often needs no key; a base URL alone enables it.
  if (openaiKey || openaiBase) providers.openai = { apiKey: openaiKey ?? 'not-needed', baseURL: openaiBase };
  const anthropicKey = nonEmpty(env.ANTHROPIC_API_KEY);
  const anthropicBase = nonEmpty(env.ANTHROPIC_BASE_URL);
  if (anthropicKey || anthropicBase)
    providers.anthropic = { apiKey: anthropicKey ?? 'not-needed', baseURL: anthropicBase };
  const mockUrl = nonEmpty(env.MOCK_LLM_URL);
  if (mockUrl) {
    const wire = nonEmpty(env.MOCK_LLM_WIRE) ?? 'openai';
    if (wire !== 'openai' && wire !== 'anthropic')
      throw new UserError(`MOCK_LLM_WIRE must be openai or anthropic, not "${wire}"`);
    providers.mock = { baseURL: mockUrl.replace(/\/$/, ''), wire };
  }
  return providers;
}

const positiveInt = z.coerce.number().int().positive();
const toolEnvSchema = z.object({
  HTTP_FETCH_ALLOW_HOSTS: z.string().optional(),
  HTTP_FETCH_MAX_BYTES: positiveInt.optional(),
  HTTP_FETCH_TIMEOUT_MS: positiveInt.optional(),
  RUN_JAVASCRIPT_TIMEOUT_MS: positiveInt.optional(),
  RUN_JAVASCRIPT_MEMORY_MB: positiveInt.min(16).optional(),
  RUN_JAVASCRIPT_NEEDS_APPROVAL: z.enum(['true', 'false']).optional(),
  RUN_JAVASCRIPT_NETWORK_ISOLATION: z.enum(['auto', 'off']).optional(),
});

/** Settings of the built-in http_fetch and run_javascript tools; a bad value names its variable. */
export function toolSettingsFromEnv(env: Env = process.env): Pick<Config, 'httpFetch' | 'codeRunner'> {
  const set = Object.fromEntries(
    Object.keys(toolEnvSchema.shape).flatMap((k) => (nonEmpty(env[k]) ? [[k, nonEmpty(env[k])]] : [])),
  );
  const parsed = toolEnvSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${String(issue?.path[0])}: ${issue?.message}`);
  }
  const e = parsed.data;
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    httpFetch: defined({
      allowHosts: e.HTTP_FETCH_ALLOW_HOSTS?.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
      maxBytes: e.HTTP_FETCH_MAX_BYTES,
      timeoutMs: e.HTTP_FETCH_TIMEOUT_MS,
    }),
    codeRunner: defined({
      timeoutMs: e.RUN_JAVASCRIPT_TIMEOUT_MS,
      memoryMb: e.RUN_JAVASCRIPT_MEMORY_MB,
      needsApproval: e.RUN_JAVASCRIPT_NEEDS_APPROVAL ? e.RUN_JAVASCRIPT_NEEDS_APPROVAL === 'true' : undefined,
      networkIsolation: e.RUN_JAVASCRIPT_NETWORK_ISOLATION,
    }),
  };
}

const tracesExporterSchema = z.enum(['otlp', 'console', 'none']);
/** `host:port` with an IPv4 address or a name, or `[ipv6]:port`. */
const bindSchema = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port');

export function telemetrySettingsFromEnv(env: Env = process.env): TelemetrySettings {
  const exporter = tracesExporterSchema.safeParse(nonEmpty(env.OTEL_TRACES_EXPORTER)?.toLowerCase() ?? 'none');
  if (!exporter.success) {
    throw new UserError(`OTEL_TRACES_EXPORTER must be otlp, console or none, not "${env.OTEL_TRACES_EXPORTER}"`);
  }
  const bind = nonEmpty(env.TEMPORAL_PROMETHEUS_BIND);
  if (bind !== undefined && !bindSchema.safeParse(bind).success) {
    throw new UserError(`TEMPORAL_PROMETHEUS_BIND must be host:port (e.g. 127.0.0.1:9464), not "${bind}"`);
  }
  return {
    tracesExporter: exporter.data,
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'durable-agents',
    ...(bind !== undefined ? { prometheusBind: bind } : {}),
  };
}

export function conversationStoreFromEnv(env: Env = process.env): ConversationStoreSettings {
  const kind = nonEmpty(env.CONVERSATION_STORE) ?? 'file';
  if (kind === 'file') {
    return { kind, dir: path.resolve(nonEmpty(env.CONVERSATION_STORE_DIR) ?? defaultConversationStoreDir()) };
  }
  if (kind === 'postgres') {
    const url = nonEmpty(env.CONVERSATION_STORE_URL);
    if (!url || !/^postgres(ql)?:\/\//.test(url)) {
      throw new UserError('CONVERSATION_STORE=postgres needs CONVERSATION_STORE_URL=postgres://user@host:port/db');
    }
    return { kind, url };
  }
  throw new UserError(`CONVERSATION_STORE must be file or postgres, not "${kind}"`);
}

export function loadConfig(env: Env = process.env): Config {
  const prices = pricesFromEnv(env);
  return {
    temporal: temporalSettingsFromEnv(env),
    providers: providerSettingsFromEnv(env),
    workspaceDir: path.resolve(nonEmpty(env.AGENT_WORKSPACE) ?? defaultStateDir('workspace', env)),
    knowledgeBaseDir: path.resolve(
      nonEmpty(env.KNOWLEDGE_BASE_DIR) ?? path.join(__dirname, '..', 'agents', 'knowledge-base'),
    ),
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    conversationStore: conversationStoreFromEnv(env),
    ...(prices ? { prices } : {}),
    rateLimits: rateLimitsFromEnv(env),
    ...(nonEmpty(env.AGENT_TOOLS_MODULE)
      ? { toolsModule: path.resolve(nonEmpty(env.AGENT_TOOLS_MODULE) as string) }
      : {}),
    ...toolSettingsFromEnv(env),
    telemetry: telemetrySettingsFromEnv(env),
    ...(approvalSecretFromEnv(env) ? { approvalSecret: approvalSecretFromEnv(env) } : {}),
  };
}

/** A secret shorter than this is too easy to guess for an HMAC key. */
const MIN_APPROVAL_SECRET = 16;

/** AGENT_APPROVAL_SECRET: the worker verifies decisions with it, agentctl signs them with it. */
export function approvalSecretFromEnv(env: Env = process.env): string | undefined {
  const secret = nonEmpty(env.AGENT_APPROVAL_SECRET);
  if (secret !== undefined && secret.length < MIN_APPROVAL_SECRET) {
    throw new UserError(`AGENT_APPROVAL_SECRET must be at least ${MIN_APPROVAL_SECRET} characters`);
  }
  return secret;
}

export interface CodecServerSettings {
  host: string;
  port: number;
  /** The Web UI origin allowed by CORS; browsers on any other origin are refused. */
  allowedOrigin: string;
  /** Bearer token every request must carry. */
  token: string;
  keys: PayloadKeyring;
}

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
