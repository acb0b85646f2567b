/**
 * `durableAgentsPlugin`: durable-agents as one Temporal worker plugin (`@temporalio/plugin`, the SDK's convention,
 * as `@temporalio/ai-sdk` does it), so a team adds agents to a worker it already runs instead of running ours.
 *
 * What it adds to the worker: our workflow types (beside the worker's own), every activity (built-in tools, the
 * user's `defineTool` tools, MCP, approvals), the tracing interceptors and the payload codecs. Model calls run on
 * one task queue per provider (`<taskQueue>-model-<provider>`, rate-limited there by the server), so the plugin
 * also creates those workers when the user's worker is created and runs them inside its `runWorker` hook: they
 * start and stop with the user's worker, and a model call can never sit on a queue nobody polls.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SimplePlugin } from '@temporalio/plugin';
import {
  NativeConnection,
  Runtime,
  type BundleOptions,
  type ReplayWorkerOptions,
  type Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from '../activities';
import { AgentCatalog } from '../agents/catalog';
import {
  createConversationStore,
  defaultConversationStoreDir,
  type ConversationStoreSettings,
} from '../activities/conversation';
import type { ConversationStore } from '../activities/conversation/store';
import { createMcpSupport, McpClientPool, McpServerRegistry } from '../activities/mcp';
import { createModelAdapters } from '../activities/models/clients';
import type { CodeRunnerSettings } from '../activities/tools/code-runner';
import type { DefinedTool } from '../activities/tools/define-tool';
import type { DefinedScorer } from '../activities/evals/define-scorer';
import type { HttpFetchSettings } from '../activities/tools/http-fetch';
import type { ProviderSettings } from '../activities/models/settings';
import type { Provider } from '../contracts/model-id';
import type { ProviderQueues } from '../contracts/model-queues';
import type { McpServerDeclaration } from '../contracts/mcp-servers';
import type { ModelPrice } from '../contracts/pricing';
import { toolActivityName } from '../contracts/tool-specs';
import { UserError } from '../contracts/errors';
import { parseWebhookSettings, type ValidWebhookSettings, type WebhookSettings } from '../contracts/webhooks';
import { ensurePrivateDir } from '../security/private-dir';
import { registerSecrets } from '../security/redaction';
import type { TokenBroker } from '../streaming/broker';
import type { Tracing } from '../telemetry/tracing';
import { tracingWorkerOptions } from '../telemetry/worker';
import { requireSearchAttributes } from './search-attribute-check';
import { createModelWorkers } from './model-workers';

/** Path of our workflow entry point (agentWorkflow, graphWorkflow); compiled JavaScript in an installed package. */
export const workflowsPath = require.resolve('../workflows');

/** The module whose call, in a bundle's entry, tells the workflows that the worker declares webhooks. */
const webhookFlagPath = require.resolve('../workflows/kernel/webhook-flag');

/**
 * The argument of that call: a bundle whose code holds it was built for a worker with webhook subscriptions.
 * Only generated bundle entries contain it (never our own source), so it is what a prebuilt bundle is checked for.
 */
const WEBHOOKS_BUNDLE_MARKER = ['durable-agents', 'webhooks-declared', 'v1'].join(':');

/** The knowledge base shipped with the package, searched by `search_knowledge_base` unless told otherwise. */
export const shippedKnowledgeBaseDir = path.join(__dirname, '..', 'agents', 'knowledge-base');

export interface DurableAgentsPluginOptions {
  /** Model providers the model workers call (`openai`, `anthropic`, `mock`); at least one for agents to run. */
  providers: ProviderSettings;
  /** Folder the file tools (read_file, write_file, list_files, run_javascript) work in. */
  workspaceDir: string;
  /** Folder of Markdown files `search_knowledge_base` searches; the shipped knowledge base by default. */
  knowledgeBaseDir?: string;
  /** The user's own tools, made with `defineTool`, offered to agents that list them. */
  tools?: DefinedTool[];
  /** The user's own eval scorers, made with `defineScorer`, named by evals as `{ type: custom, scorer }`. */
  scorers?: DefinedScorer[];
  /**
   * The MCP servers the operator declares (AGENT_MCP_SERVERS_FILE for `npm run worker`): each a stdio command or a
   * URL, with the worker environment variables that feed it. A run input or spec names one of these and can
   * narrow its tools, nothing more; a name not declared here fails the run's validation, listing these names.
   */
  mcpServers?: McpServerDeclaration[];
  /**
   * Connections to the declared MCP servers (a pool of the plugin's own by default). Either way the pool's
   * connections are closed, and its stdio servers stopped, when the last worker using the plugin stops: a stdio
   * server must not outlive the worker that started it.
   */
  mcpPool?: McpClientPool;
  /** http_fetch limits and the hosts allowed to be private. */
  httpFetch?: Partial<HttpFetchSettings>;
  /** run_javascript limits and whether it needs approval. */
  codeRunner?: Partial<CodeRunnerSettings>;
  /** OpenTelemetry tracing: spans for runs, activities and children, with GenAI attributes on model and tool calls. */
  tracing?: Tracing;
  /** Where conversations passed by reference are kept: settings or a store; files under $TMPDIR by default. */
  conversationStore?: ConversationStoreSettings | ConversationStore;
  /** Prices overriding the built-in table, reported with each model response. */
  prices?: Record<string, ModelPrice>;
  /**
   * Serve models missing from the price table even when a cost budget binds the call; by default such a call is
   * refused with a non-retryable `ModelUnpriced`.
   */
  allowUnpricedModels?: boolean;
  /**
   * Live tokens: where each model call's text goes as the model writes it (`createInProcessTokenBroker()` when the
   * API shares this process, `createPostgresTokenBroker(url)` across machines; AGENT_TOKEN_STREAM_URL for
   * `npm run worker`). Tokens never enter Temporal history; without a broker they go nowhere.
   */
  tokens?: TokenBroker;
  /** Payload codecs and failure converter (e.g. `encryptedDataConverter(keys)`), merged into the worker's. */
  dataConverter?: DataConverter;
  /** Approval decisions must be signed with this secret (checked in an activity). */
  approvalSecret?: string;
  /**
   * A folder of agent specs beside the shipped ones: a run started with only an agent's name gets its spec from
   * here, through the `resolveAgentSpec` activity. Read on each lookup, so new files need no restart.
   */
  specsDir?: string;
  /**
   * Webhook subscriptions (AGENT_WEBHOOKS_FILE for `npm run worker`): URL, events, signing secret and an optional
   * agent or graph filter each, the hosts allowed to be private, and the delivery retry policy. Only the
   * operator declares these; a run can neither add nor change one. With subscriptions, a prebuilt
   * `workflowBundle` must be built with this plugin (`bundleWorkflowCode({ plugins })`).
   */
  webhooks?: WebhookSettings;
  /** The operator's own activity interceptors, run after tracing's (for example to time or audit activities). */
  activityInterceptors?: NonNullable<WorkerOptions['interceptors']>['activity'];
  /**
   * The per-provider model workers: on (the default), off (`false`, for a fleet where other processes poll the
   * model queues), or with rate limits (model calls per second per provider, across every worker of the queue).
   */
  modelWorkers?: false | { rateLimits?: Partial<Record<Provider, number>>; shutdownGraceTime?: string | number };
}

/**
 * Which providers' model calls go to their own task queue, as `describeTools` tells new runs: only the providers
 * given a rate limit (the task-queue rate limit is the reason those queues exist); every other call stays on the
 * workflow's queue, where the server may dispatch it eagerly. With the model workers off, other processes poll
 * the model queues under limits this worker does not know, so every call goes there.
 */
function providerQueuesOf(modelWorkers: DurableAgentsPluginOptions['modelWorkers']): ProviderQueues {
  if (modelWorkers === false) return 'all';
  return Object.entries(modelWorkers?.rateLimits ?? {})
    .filter(([, rate]) => rate !== undefined && rate > 0)
    .map(([provider]) => provider as Provider);
}

/** One configured worker's options, and the model workers run beside it. */
interface WorkerSetup {
  options: WorkerOptions;
  modelWorkers: Worker[];
  /** A connection the plugin opened because the worker had none; closed after the model workers stop. */
  ownConnection?: NativeConnection;
}

/**
 * The durable-agents worker plugin. Pass it in `Worker.create({ plugins: [durableAgentsPlugin(options)] })`; when
 * the worker bundles a prebuilt `workflowBundle`, pass it to `bundleWorkflowCode({ plugins })` too.
 */
export class DurableAgentsPlugin extends SimplePlugin {
  /** Per configured worker (`<namespace>/<taskQueue>`): its options and the model workers run with it. */
  private readonly setups = new Map<string, WorkerSetup>();
  private readonly store: ConversationStore;
  private readonly ownsStore: boolean;
  private readonly closeMcp: () => Promise<void>;
  private readonly toolNames: string[];
  private readonly mcpRegistry: McpServerRegistry;
  private readonly webhooks: ValidWebhookSettings;
  private running = 0;

  constructor(private readonly pluginOptions: DurableAgentsPluginOptions) {
    const given = pluginOptions.conversationStore;
    const ownsStore = !(given && 'sync' in given);
    const store =
      given && 'sync' in given
        ? given
        : createConversationStore(given ?? { kind: 'file', dir: defaultConversationStoreDir() });
    const mcpPool = pluginOptions.mcpPool ?? new McpClientPool();
    // Declarations are checked now, so a bad one stops the worker at start rather than a run later.
    const mcpRegistry = new McpServerRegistry(pluginOptions.mcpServers ?? [], 'durableAgentsPlugin mcpServers');
    const mcp = createMcpSupport(mcpRegistry, mcpPool);
    const webhooks = parseWebhookSettings(
      pluginOptions.webhooks ?? { subscriptions: [] },
      'durableAgentsPlugin webhooks',
    );
    // Censored wherever they might surface: logs and provider error messages.
    registerSecrets([
      pluginOptions.providers.openai?.apiKey,
      pluginOptions.providers.anthropic?.apiKey,
      pluginOptions.approvalSecret,
      ...webhooks.subscriptions.map((s) => s.secret),
    ]);
    const activities = createActivities({
      adapters: createModelAdapters(pluginOptions.providers),
      workspaceDir: pluginOptions.workspaceDir,
      knowledgeBaseDir: pluginOptions.knowledgeBaseDir ?? shippedKnowledgeBaseDir,
      tools: pluginOptions.tools,
      ...(pluginOptions.scorers ? { scorers: pluginOptions.scorers } : {}),
      httpFetch: pluginOptions.httpFetch,
      codeRunner: pluginOptions.codeRunner,
      mcp,
      conversations: store,
      // Model calls of providers without a rate limit run on this worker, not its model workers: same broker.
      ...(pluginOptions.tokens ? { tokens: pluginOptions.tokens } : {}),
      ...(pluginOptions.prices ? { prices: pluginOptions.prices } : {}),
      ...(pluginOptions.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
      ...(pluginOptions.approvalSecret ? { approvalSecret: pluginOptions.approvalSecret } : {}),
      agentCatalog: new AgentCatalog(pluginOptions.specsDir !== undefined ? { specsDir: pluginOptions.specsDir } : {}),
      webhooks,
      providerQueues: providerQueuesOf(pluginOptions.modelWorkers),
    });
    const traced = pluginOptions.tracing ? tracingWorkerOptions(pluginOptions.tracing) : undefined;
    const workerInterceptors =
      traced || pluginOptions.activityInterceptors?.length
        ? {
            ...(traced?.interceptors ?? {}),
            activity: [...(traced?.interceptors.activity ?? []), ...(pluginOptions.activityInterceptors ?? [])],
          }
        : undefined;
    super({
      name: 'durable-agents',
      activities,
      ...(pluginOptions.dataConverter ? { dataConverter: pluginOptions.dataConverter } : {}),
      ...(workerInterceptors ? { workerInterceptors } : {}),
    });
    this.store = store;
    this.ownsStore = ownsStore;
    this.mcpRegistry = mcpRegistry;
    this.webhooks = webhooks;
    this.closeMcp = mcp.close;
    const prefix = toolActivityName('');
    this.toolNames = Object.keys(activities)
      .filter((name) => name.startsWith(prefix))
      .map((name) => name.slice(prefix.length))
      .sort();
  }

  /**
   * Adds our workflows, activities, interceptors and codecs, and notes what the queue's model workers need; they
   * are created when the worker runs (this hook is synchronous), see {@link runWorker}.
   */
  override configureWorker(options: WorkerOptions): WorkerOptions {
    if (options.workflowBundle && this.declaresWebhooks() && !bundleDeclaresWebhooks(options.workflowBundle)) {
      // Without the declaration in the bundle the workflows would never ask for their webhooks: refuse loudly.
      throw new UserError(
        'webhook subscriptions are declared, but the prebuilt workflowBundle was not built with this plugin: ' +
          'build it with bundleWorkflowCode({ workflowsPath, plugins: [plugin] }), or let the worker bundle itself',
      );
    }
    const configured = super.configureWorker(withOurWorkflows(options, this.declaresWebhooks()));
    if (this.pluginOptions.tracing) {
      const { sinks } = tracingWorkerOptions(this.pluginOptions.tracing);
      configured.sinks = { ...configured.sinks, ...sinks };
      // A prebuilt bundle already holds its interceptor modules (bundled through configureBundler).
      if (configured.workflowBundle && configured.interceptors) {
        configured.interceptors = { ...configured.interceptors, workflowModules: [] };
      }
    }
    this.setups.set(setupKey(configured.namespace, configured.taskQueue), { options: configured, modelWorkers: [] });
    return configured;
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return super.configureReplayWorker(withOurWorkflows(options, false));
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    return super.configureBundler({
      ...options,
      workflowsPath: combinedWorkflowsPath(options.workflowsPath, this.declaresWebhooks()),
    });
  }

  /** Whether the operator declared webhook subscriptions (the bundle must then say so to the workflows). */
  private declaresWebhooks(): boolean {
    return this.webhooks.subscriptions.length > 0;
  }

  /**
   * The model workers running beside this worker (empty before it runs, when turned off, or when no provider is
   * configured).
   */
  modelWorkersOf(worker: Worker): Worker[] {
    return this.setups.get(setupKey(worker.options.namespace, worker.options.taskQueue))?.modelWorkers ?? [];
  }

  /**
   * Runs the model workers beside the worker: both start together, a shutdown of the worker (or a fatal error of
   * either) stops the others, and the plugin's MCP connections and store close once its last worker has stopped.
   */
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const setup = this.setups.get(setupKey(worker.options.namespace, worker.options.taskQueue));
    // A folder another local user prepared (or a symlink to one) is refused now, not at the first tool or model call.
    await this.ensurePrivateFolders();
    // An unregistered attribute would fail every new run's first workflow task; refuse to start instead.
    if (setup?.options.connection) await requireSearchAttributes(setup.options.connection, worker.options.namespace);
    this.running++;
    // The worker starts polling at once, as without the plugin; its model workers are created meanwhile.
    const main = next(worker);
    // Handled below once the model workers exist; this keeps an early failure from counting as unhandled meanwhile.
    main.catch(() => undefined);
    let modelWorkers: Worker[] = [];
    const stopAll = (): void => {
      for (const w of [worker, ...modelWorkers]) if (w.getState() === 'RUNNING') w.shutdown();
    };
    try {
      try {
        modelWorkers = setup ? await this.createModelWorkers(setup) : [];
      } catch (err) {
        // Without model workers its runs' model calls would wait forever: stop the worker and say why.
        stopAll();
        await main.catch(() => undefined);
        throw err;
      }
      Runtime.instance().logger.info('durable-agents registered on the worker', {
        taskQueue: worker.options.taskQueue,
        tools: this.toolNames,
        customTools: (this.pluginOptions.tools ?? []).map((t) => t.spec.name),
        mcpServers: this.mcpRegistry.names(),
        modelTaskQueues: modelWorkers.map((w) => w.options.taskQueue),
      });
      const runs = [main, ...modelWorkers.map((w) => w.run())].map((run) =>
        run.then(
          () => stopAll(),
          (err: unknown) => {
            stopAll();
            throw err;
          },
        ),
      );
      const results = await Promise.allSettled(runs);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      await setup?.ownConnection?.close().catch(() => undefined);
      if (--this.running === 0) await this.release();
    }
  }

  /** The workspace and the file conversation store's folder: private to this user (0700), never a symlink. */
  private async ensurePrivateFolders(): Promise<void> {
    await ensurePrivateDir(this.pluginOptions.workspaceDir);
    const given = this.pluginOptions.conversationStore;
    if (!given || ('kind' in given && given.kind === 'file'))
      await ensurePrivateDir(given && 'dir' in given ? given.dir : defaultConversationStoreDir());
  }

  /** The queue's model workers, on the worker's connection (or one of their own when the worker has none). */
  private async createModelWorkers(setup: WorkerSetup): Promise<Worker[]> {
    if (this.pluginOptions.modelWorkers === false) return [];
    const { options } = setup;
    if (!options.connection) setup.ownConnection = await NativeConnection.connect();
    const settings = this.pluginOptions.modelWorkers ?? {};
    setup.modelWorkers = await createModelWorkers({
      connection: options.connection ?? (setup.ownConnection as NativeConnection),
      namespace: options.namespace ?? 'default',
      taskQueue: options.taskQueue,
      providers: this.pluginOptions.providers,
      conversationStore: this.store,
      ...(settings.rateLimits ? { rateLimits: settings.rateLimits } : {}),
      ...(this.pluginOptions.prices ? { prices: this.pluginOptions.prices } : {}),
      ...(this.pluginOptions.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
      ...(this.pluginOptions.tokens ? { tokens: this.pluginOptions.tokens } : {}),
      ...(this.pluginOptions.tracing ? { tracing: this.pluginOptions.tracing } : {}),
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      shutdownGraceTime: settings.shutdownGraceTime ?? options.shutdownGraceTime ?? '10s',
      ...(options.identity ? { identity: options.identity } : {}),
      // A pinned run's model calls must reach workers of its own version: the model queues join the same one.
      ...(options.workerDeploymentOptions ? { workerDeploymentOptions: options.workerDeploymentOptions } : {}),
    });
    return setup.modelWorkers;
  }

  /** Closes what the plugin opened itself; failures are logged, since they must not hide how the worker ended. */
  private async release(): Promise<void> {
    const warn = (what: string) => (err: unknown) =>
      Runtime.instance().logger.warn(`closing ${what} failed`, { error: (err as Error).message });
    await this.closeMcp().catch(warn('MCP connections'));
    if (this.ownsStore) await this.store.close().catch(warn('the conversation store'));
  }
}

/** Builds the durable-agents worker plugin; see {@link DurableAgentsPlugin}. */
export function durableAgentsPlugin(options: DurableAgentsPluginOptions): DurableAgentsPlugin {
  return new DurableAgentsPlugin(options);
}

const setupKey = (namespace: string | undefined, taskQueue: string | undefined): string =>
  `${namespace ?? 'default'}/${taskQueue ?? ''}`;

/** The worker's options with our workflows added: ours alone, or a module exporting the worker's and ours. */
function withOurWorkflows<T extends WorkerOptions | ReplayWorkerOptions>(options: T, declareWebhooks: boolean): T {
  // A prebuilt bundle cannot be changed here; it holds our workflows when it was bundled with this plugin.
  if (options.workflowBundle) return options;
  return { ...options, workflowsPath: combinedWorkflowsPath(options.workflowsPath, declareWebhooks) };
}

/** Whether a prebuilt bundle was built by a plugin with webhook subscriptions. */
function bundleDeclaresWebhooks(bundle: NonNullable<WorkerOptions['workflowBundle']>): boolean {
  const code = 'code' in bundle ? bundle.code : fs.readFileSync(bundle.codePath, 'utf8');
  return code.includes(WEBHOOKS_BUNDLE_MARKER);
}

/**
 * The workflows entry of a worker with webhook subscriptions: ours, declaring webhooks as the bundle loads.
 * For tests and tools that prebuild such a bundle; `bundleWorkflowCode({ plugins: [plugin] })` does the same.
 */
export function workflowsPathWithWebhooks(): string {
  return combinedWorkflowsPath(undefined, true);
}

/**
 * A workflows module exporting the user's workflows and ours, so one worker serves both, and declaring webhooks
 * to our workflows when the worker has subscriptions. The Temporal bundler puts its generated entry beside this
 * file and resolves `@temporalio/workflow` from there, so the file goes in a `.cache` folder inside the
 * node_modules that holds `@temporalio/workflow` (the copy the user's worker uses too).
 */
function combinedWorkflowsPath(userWorkflowsPath: string | undefined, declareWebhooks: boolean): string {
  const theirs =
    userWorkflowsPath && path.resolve(userWorkflowsPath) !== workflowsPath
      ? path.resolve(userWorkflowsPath)
      : undefined;
  if (!theirs && !declareWebhooks) return workflowsPath;
  const modulesDir = path.resolve(path.dirname(require.resolve('@temporalio/workflow/package.json')), '..', '..');
  const dir = path.join(modulesDir, '.cache', 'durable-agents');
  // With webhooks the entry is CommonJS (`.cjs`, whatever the package's "type"), so the declaring call can sit
  // beside the re-exports without relying on how the bundler reads a `.js` file; without, it stays as it was.
  const code = declareWebhooks
    ? [
        `module.exports = { ${theirs ? `...require(${JSON.stringify(theirs)}), ` : ''}...require(${JSON.stringify(workflowsPath)}) };`,
        `require(${JSON.stringify(webhookFlagPath)}).declareWebhooks(${JSON.stringify(WEBHOOKS_BUNDLE_MARKER)});`,
        '',
      ].join('\n')
    : `export * from ${JSON.stringify(theirs)};\nexport * from ${JSON.stringify(workflowsPath)};\n`;
  const digest = crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = path.join(dir, `workflows-${digest}.${declareWebhooks ? 'cjs' : 'js'}`);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== code) fs.writeFileSync(file, code);
  return file;
}
