/**
 * Builds the worker that runs agent workflows and their activities. Shared by `npm run worker`, the demo
 * and the tests, so all three run exactly the same registration: the durable-agents plugin on a worker of its own.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { McpClientPool } from '../activities/mcp';
import type { McpServerDeclaration } from '../contracts/mcp-servers';
import type { ProviderSettings } from '../activities/models/settings';
import type { CodeRunnerSettings } from '../activities/tools/code-runner';
import type { DefinedTool } from '../activities/tools/define-tool';
import type { DefinedScorer } from '../activities/evals/define-scorer';
import type { HttpFetchSettings } from '../activities/tools/http-fetch';
import type { ConversationStoreSettings } from '../activities/conversation';
import type { ConversationStore } from '../activities/conversation/store';
import type { Provider } from '../contracts/model-id';
import type { Tracing } from '../telemetry/tracing';
import type { TokenBroker } from '../streaming/broker';
import type { ModelPrice } from '../contracts/pricing';
import type { WebhookSettings } from '../contracts/webhooks';
import { durableAgentsPlugin, type DurableAgentsPlugin } from './plugin';
import { requireSearchAttributes } from './search-attribute-check';
import { workerDeploymentOptions, type WorkerDeploymentSettings } from './deployment';

export interface AgentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  providers: ProviderSettings;
  workspaceDir: string;
  /** Folder of Markdown files `search_knowledge_base` searches; the shipped knowledge base by default. */
  knowledgeBaseDir?: string;
  /** A prebuilt workflow bundle; tests build it once and reuse it across workers. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** How long in-flight activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  identity?: string;
  /** The user's own tools, made with `defineTool`, offered to agents that list them. */
  tools?: DefinedTool[];
  /** The user's own eval scorers, made with `defineScorer`, named by evals as `{ type: custom, scorer }`. */
  scorers?: DefinedScorer[];
  /**
   * The MCP servers runs may name (AGENT_MCP_SERVERS_FILE for `npm run worker`): each a command over stdio or a
   * URL, with the worker environment variables that feed it. A run input or spec names one of these and can
   * narrow its tools, nothing more; a name not declared here fails the run's validation, listing these names.
   */
  mcpServers?: McpServerDeclaration[];
  /**
   * Connections to the declared MCP servers. Without it the worker gets a pool of its own.
   * Either way the pool's connections are closed, and its stdio servers stopped, when the worker stops.
   */
  mcpPool?: McpClientPool;
  /** http_fetch limits and the hosts allowed to be private (config: HTTP_FETCH_*). */
  httpFetch?: Partial<HttpFetchSettings>;
  /** run_javascript limits and whether it needs approval (config: RUN_JAVASCRIPT_*). */
  codeRunner?: Partial<CodeRunnerSettings>;
  /**
   * OpenTelemetry tracing (see src/telemetry): spans for the run, each activity and each child, with GenAI
   * attributes on model and tool calls. A prebuilt `workflowBundle` must then have been bundled with
   * `tracingWorkflowInterceptorModules`.
   */
  tracing?: Tracing;
  /** Where conversations passed by reference are kept: settings or a store; files in the worker user's own state folder by default. */
  conversationStore?: ConversationStoreSettings | ConversationStore;
  /** Prices overriding the built-in table (AGENT_PRICES_FILE), reported with each model response. */
  prices?: Record<string, ModelPrice>;
  /**
   * Serve models missing from the price table even when a cost budget binds the call (AGENT_ALLOW_UNPRICED_MODELS);
   * by default such a call is refused with a non-retryable `ModelUnpriced`.
   */
  allowUnpricedModels?: boolean;
  /**
   * Live tokens: where each model call's text goes as the model writes it (`createInProcessTokenBroker()` when the
   * API shares this process, `createPostgresTokenBroker(url)` across machines; AGENT_TOKEN_STREAM_URL for
   * `npm run worker`). Tokens never enter Temporal history; without a broker they go nowhere.
   */
  tokens?: TokenBroker;
  /**
   * Payload codecs and failure converter, e.g. `encryptedDataConverter(keys)`. With a prebuilt bundle, bundle
   * it with the same `failureConverterPath`.
   */
  dataConverter?: WorkerOptions['dataConverter'];
  /** AGENT_APPROVAL_SECRET: approval decisions must be signed with it (checked in an activity). */
  approvalSecret?: string;
  /** Model calls per second per provider (AGENT_RATE_LIMITS), across every worker of the provider's queue. */
  rateLimits?: Partial<Record<Provider, number>>;
  /** Run the per-provider model workers beside this one (default true). */
  modelWorkers?: boolean;
  /**
   * A folder of agent specs (AGENT_SPECS_DIR) beside the shipped ones: a run started with only an agent's name
   * (`{ agent: 'support-agent', input }`) gets its spec from here, through the `resolveAgentSpec` activity.
   * The folder must exist; it is read on each lookup, so new files need no restart.
   */
  specsDir?: string;
  /** The operator's own activity interceptors, run after tracing's (for example to time or audit activities). */
  activityInterceptors?: NonNullable<WorkerOptions['interceptors']>['activity'];
  /**
   * Register this Worker Deployment Version (AGENT_WORKER_DEPLOYMENT, AGENT_WORKER_BUILD_ID, AGENT_WORKER_VERSIONING)
   * and use Worker Versioning: PINNED runs finish on the version that started them, new runs start on the
   * deployment's current version. The model workers register the same version. See docs/deploying.md#upgrades.
   */
  deployment?: WorkerDeploymentSettings;
  /**
   * Webhook subscriptions (AGENT_WEBHOOKS_FILE): URL, events, signing secret and an optional agent or graph filter
   * each, hosts allowed to be private, delivery retries. A run can neither add nor change one. With
   * subscriptions, a prebuilt `workflowBundle` must come from `bundleWorkflowCode({ plugins })` with the plugin
   * (or from `workflowsPathWithWebhooks()`).
   */
  webhooks?: WebhookSettings;
  /**
   * Worker slots and cache, passed to `Worker.create` unchanged; the SDK's defaults otherwise. The bench
   * (docs/benchmarks.md) runs one activity slot per concurrent run and a cache holding every open run; on its
   * 2-core machine these did not change the figures, since the CPU was the limit, but a worker with many
   * concurrent runs and long model calls needs as many activity slots as model calls in flight.
   */
  tuning?: WorkerTuning;
}

/** The `Worker.create` options that size a worker: its slots and its workflow cache. */
export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
>;

export { workflowsPath } from './plugin';

/** The plugin of each worker createAgentWorker built, so its model workers can be found once it runs. */
const plugins = new WeakMap<Worker, DurableAgentsPlugin>();

/**
 * A worker that runs only durable-agents: a plain Temporal `Worker` with {@link durableAgentsPlugin} added, so its
 * `run()` also runs the per-provider model workers (turn them off with `modelWorkers: false`).
 */
export async function createAgentWorker(options: AgentWorkerOptions): Promise<Worker> {
  // Before the worker exists, so a refused one holds nothing (its plugin's run hook checks again, from the cache).
  await requireSearchAttributes(options.connection, options.namespace);
  const plugin = durableAgentsPlugin({
    providers: options.providers,
    workspaceDir: options.workspaceDir,
    ...(options.knowledgeBaseDir ? { knowledgeBaseDir: options.knowledgeBaseDir } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.scorers ? { scorers: options.scorers } : {}),
    ...(options.mcpServers ? { mcpServers: options.mcpServers } : {}),
    ...(options.mcpPool ? { mcpPool: options.mcpPool } : {}),
    ...(options.httpFetch ? { httpFetch: options.httpFetch } : {}),
    ...(options.codeRunner ? { codeRunner: options.codeRunner } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
    ...(options.conversationStore ? { conversationStore: options.conversationStore } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
    ...(options.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
    ...(options.tokens ? { tokens: options.tokens } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...(options.approvalSecret ? { approvalSecret: options.approvalSecret } : {}),
    ...(options.specsDir !== undefined ? { specsDir: options.specsDir } : {}),
    ...(options.activityInterceptors ? { activityInterceptors: options.activityInterceptors } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    modelWorkers:
      options.modelWorkers === false ? false : { ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}) },
  });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.deployment ? { workerDeploymentOptions: workerDeploymentOptions(options.deployment) } : {}),
    ...options.tuning,
    plugins: [plugin],
  });
  plugins.set(worker, plugin);
  return worker;
}

/** The model workers running beside a worker made by createAgentWorker (empty before it runs). */
export function agentModelWorkers(worker: Worker): Worker[] {
  return plugins.get(worker)?.modelWorkersOf(worker) ?? [];
}
