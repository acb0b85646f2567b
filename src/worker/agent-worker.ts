/**
 * Builds the worker that runs agent workflows and their activities. Shared by `npm run worker`, the demo
 * and the tests, so all three run exactly the same registration.
 */
import { Runtime, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { AgentCatalog } from '../agents/catalog';
import { createMcpSupport, McpClientPool, McpServerRegistry } from '../activities/mcp';
import type { McpServerDeclaration } from '../contracts/mcp-servers';
import { createModelAdapters } from '../activities/models/clients';
import type { ProviderSettings } from '../activities/models/settings';
import type { CodeRunnerSettings } from '../activities/tools/code-runner';
import type { DefinedTool } from '../activities/tools/define-tool';
import type { HttpFetchSettings } from '../activities/tools/http-fetch';
import {
  createConversationStore,
  defaultConversationStoreDir,
  type ConversationStoreSettings,
} from '../activities/conversation';
import type { ConversationStore } from '../activities/conversation/store';
import { onWorkerStopped } from './shutdown';
import type { Tracing } from '../telemetry/tracing';
import { tracingWorkerOptions } from '../telemetry/worker';
import type { ModelPrice } from '../contracts/pricing';
import { registerSecrets } from '../security/redaction';
import { ensurePrivateDir } from '../security/private-dir';

export interface AgentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  providers: ProviderSettings;
  workspaceDir: string;
  knowledgeBaseDir: string;
  /** A prebuilt workflow bundle; tests build it once and reuse it across workers. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** How long in-flight activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  identity?: string;
  /** The user's own tools, made with `defineTool`, offered to agents that list them. */
  tools?: DefinedTool[];
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
   * Payload codecs and failure converter, e.g. `encryptedDataConverter(keys)`. With a prebuilt bundle, bundle
   * it with the same `failureConverterPath`.
   */
  dataConverter?: WorkerOptions['dataConverter'];
  /** AGENT_APPROVAL_SECRET: approval decisions must be signed with it (checked in an activity). */
  approvalSecret?: string;
  /**
   * A folder of agent specs (AGENT_SPECS_DIR) beside the shipped ones: a run started with only an agent's name
   * (`{ agent: 'support-agent', input }`) gets its spec from here, through the `resolveAgentSpec` activity.
   * The folder must exist; it is read on each lookup, so new files need no restart.
   */
  specsDir?: string;
  /** The operator's own activity interceptors, run after tracing's (for example to time or audit activities). */
  activityInterceptors?: NonNullable<WorkerOptions['interceptors']>['activity'];
}

/** Path of the workflow entry point; the worker bundles it (TypeScript included) for the workflow sandbox. */
export const workflowsPath = require.resolve('../workflows');

export async function createAgentWorker(options: AgentWorkerOptions): Promise<Worker> {
  const storeSettings =
    options.conversationStore && 'sync' in options.conversationStore ? undefined : options.conversationStore;
  // A folder another local user prepared (or a symlink to one) is refused now, not at the first tool or model call.
  await ensurePrivateDir(options.workspaceDir);
  if (!storeSettings || storeSettings.kind === 'file')
    await ensurePrivateDir(storeSettings?.dir ?? defaultConversationStoreDir());
  const mcp = createMcpSupport(
    new McpServerRegistry(options.mcpServers ?? [], 'createAgentWorker mcpServers'),
    options.mcpPool ?? new McpClientPool(),
  );
  // A store built here is closed when the worker stops; one passed in belongs to the caller.
  const ownStore =
    options.conversationStore && 'sync' in options.conversationStore
      ? undefined
      : createConversationStore(options.conversationStore ?? { kind: 'file', dir: defaultConversationStoreDir() });
  // Censored wherever they might surface: logs and provider error messages.
  registerSecrets([options.providers.openai?.apiKey, options.providers.anthropic?.apiKey, options.approvalSecret]);
  const activities = createActivities({
    adapters: createModelAdapters(options.providers),
    workspaceDir: options.workspaceDir,
    knowledgeBaseDir: options.knowledgeBaseDir,
    tools: options.tools,
    httpFetch: options.httpFetch,
    codeRunner: options.codeRunner,
    mcp,
    conversations: ownStore ?? (options.conversationStore as ConversationStore),
    ...(options.prices ? { prices: options.prices } : {}),
    ...(options.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
    ...(options.approvalSecret ? { approvalSecret: options.approvalSecret } : {}),
    agentCatalog: new AgentCatalog(options.specsDir !== undefined ? { specsDir: options.specsDir } : {}),
  });
  const traced = options.tracing ? tracingWorkerOptions(options.tracing) : undefined;
  if (traced && options.workflowBundle) {
    // A prebuilt bundle already holds its interceptor modules; naming them again only draws a warning.
    traced.interceptors = { ...traced.interceptors, workflowModules: [] };
  }
  const interceptors = options.activityInterceptors?.length
    ? {
        ...(traced?.interceptors ?? {}),
        activity: [...(traced?.interceptors?.activity ?? []), ...options.activityInterceptors],
      }
    : undefined;
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities,
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    ...(options.identity ? { identity: options.identity } : {}),
    ...(traced ?? {}),
    ...(interceptors ? { interceptors } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
  onWorkerStopped(worker, mcp.close, (err) =>
    Runtime.instance().logger.warn('closing MCP connections failed', { error: (err as Error).message }),
  );
  if (ownStore) {
    onWorkerStopped(
      worker,
      () => ownStore.close(),
      (err) =>
        Runtime.instance().logger.warn('closing the conversation store failed', { error: (err as Error).message }),
    );
  }
  return worker;
}
