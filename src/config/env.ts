/**
 * The worker's whole configuration, assembled from one config module per subsystem. Program entry points call
 * loadConfig; everything else receives these typed settings, so tests build a config by hand and nothing reaches
 * for `process.env` behind their back.
 */
import type { ConversationStoreSettings } from '../activities/conversation/settings';
import type { ProviderSettings } from '../activities/models/settings';
import type { CodeRunnerSettings } from '../activities/tools/code-runner';
import type { HttpFetchSettings } from '../activities/tools/http-fetch';
import type { Provider } from '../contracts/model-id';
import type { ModelPrice } from '../contracts/pricing';
import type { TelemetrySettings } from '../telemetry/settings';
import { agentSpecsDirFromEnv } from './agent-specs';
import { approvalSecretFromEnv } from './approvals';
import { conversationStoreFromEnv } from './conversation-store';
import { allowUnpricedModelsFromEnv } from './pricing';
import { tokenStreamFromEnv, type TokenStreamSettings } from './streaming';
import { pricesFromEnv, providerSettingsFromEnv, rateLimitsFromEnv } from './providers';
import { logLevelFromEnv, telemetrySettingsFromEnv } from './telemetry';
import { temporalSettingsFromEnv, type TemporalSettings } from './temporal';
import { toolSettingsFromEnv, toolPathsFromEnv } from './tools';
import type { Env } from './values';
import { workerProcessSettingsFromEnv, type WorkerProcessSettings } from './worker';

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
  /** AGENT_ALLOW_UNPRICED_MODELS: serve unpriced models under a cost budget (they count $0). */
  allowUnpricedModels: boolean;
  /** Model calls per second per provider, across all workers (AGENT_RATE_LIMIT_<PROVIDER>). */
  rateLimits: Partial<Record<Provider, number>>;
  /** The HMAC secret approval decisions are signed with (AGENT_APPROVAL_SECRET); only the worker checks it. */
  approvalSecret?: string;
  /** A folder of the user's own agent specs (AGENT_SPECS_DIR), served by name to runs that name only an agent. */
  agentSpecsDir?: string;
  /** Shutdown grace time and Worker Versioning (AGENT_SHUTDOWN_GRACE_TIME, AGENT_WORKER_*). */
  worker: WorkerProcessSettings;
  /** Where live tokens travel between processes (AGENT_TOKEN_STREAM_URL). */
  tokenStream: TokenStreamSettings;
}

/** Reads every subsystem's settings from the environment; the first bad value throws a UserError naming it. */
export function loadConfig(env: Env = process.env): Config {
  const prices = pricesFromEnv(env);
  const approvalSecret = approvalSecretFromEnv(env);
  const agentSpecsDir = agentSpecsDirFromEnv(env);
  return {
    temporal: temporalSettingsFromEnv(env),
    providers: providerSettingsFromEnv(env),
    ...toolPathsFromEnv(env),
    logLevel: logLevelFromEnv(env),
    conversationStore: conversationStoreFromEnv(env),
    ...(prices ? { prices } : {}),
    allowUnpricedModels: allowUnpricedModelsFromEnv(env),
    rateLimits: rateLimitsFromEnv(env),
    tokenStream: tokenStreamFromEnv(env),
    ...toolSettingsFromEnv(env),
    telemetry: telemetrySettingsFromEnv(env),
    ...(approvalSecret ? { approvalSecret } : {}),
    ...(agentSpecsDir ? { agentSpecsDir } : {}),
    worker: workerProcessSettingsFromEnv(env),
  };
}
