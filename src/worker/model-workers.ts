/**
 * Workers for the per-provider model task queues. Model calls of each provider go to
 * `<taskQueue>-model-<provider>`; these workers poll those queues with the provider's rate limit set as
 * Temporal's task-queue rate limit (`maxTaskQueueActivitiesPerSecond`), which the server enforces for the
 * whole queue, so ten workers together stay under one account's limit with no limiter of our own.
 */
import { Runtime, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import {
  createConversationStore,
  defaultConversationStoreDir,
  type ConversationStoreSettings,
} from '../activities/conversation';
import type { ConversationStore } from '../activities/conversation/store';
import { onWorkerStopped } from './shutdown';
import { createModelActivities } from '../activities/models';
import { createModelAdapters } from '../activities/models/clients';
import type { ProviderSettings } from '../activities/models/settings';
import { modelTaskQueue } from '../contracts/model-queues';
import type { Provider } from '../contracts/model-id';
import type { ModelPrice } from '../contracts/pricing';
import type { TokenBroker } from '../streaming/broker';
import type { Tracing } from '../telemetry/tracing';
import { tracingWorkerOptions } from '../telemetry/worker';
import { registerSecrets } from '../security/redaction';
import { ensurePrivateDir } from '../security/private-dir';

export interface ModelWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  /** The agent workers' task queue; each provider's queue is named after it. */
  taskQueue: string;
  providers: ProviderSettings;
  /** Model calls per second per provider, across every worker polling its queue. */
  rateLimits?: Partial<Record<Provider, number>>;
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
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  identity?: string;
  /**
   * The conversation store model calls read conversations passed by reference from: the same settings (or
   * store) as the agent workers'; files in the worker user's own state folder by default.
   */
  conversationStore?: ConversationStoreSettings | ConversationStore;
  /** OpenTelemetry tracing: a span per model-call attempt, annotated with GenAI attributes, as on agent workers. */
  tracing?: Tracing;
  /** The agent workers' payload codecs (`encryptedDataConverter(keys)`): model calls carry encrypted payloads. */
  dataConverter?: WorkerOptions['dataConverter'];
  /** The agent worker's Worker Deployment Version, so pinned runs' model calls stay on that version. */
  workerDeploymentOptions?: WorkerOptions['workerDeploymentOptions'];
}

/** One activity-only worker per configured provider, each on that provider's model task queue. */
export async function createModelWorkers(options: ModelWorkersOptions): Promise<Worker[]> {
  // Censored wherever they might surface: logs and provider error messages.
  registerSecrets([options.providers.openai?.apiKey, options.providers.anthropic?.apiKey]);
  const adapters = createModelAdapters(options.providers);
  const providers = Object.keys(adapters) as Provider[];
  if (providers.length === 0) return [];
  const storeSettings =
    options.conversationStore && 'sync' in options.conversationStore ? undefined : options.conversationStore;
  // A store folder another local user prepared is refused at start, as on the agent workers.
  if (!storeSettings || storeSettings.kind === 'file')
    await ensurePrivateDir(storeSettings?.dir ?? defaultConversationStoreDir());
  // A store built here is closed when the workers stop; one passed in belongs to the caller.
  const ownStore =
    options.conversationStore && 'sync' in options.conversationStore
      ? undefined
      : createConversationStore(options.conversationStore ?? { kind: 'file', dir: defaultConversationStoreDir() });
  const activities = createModelActivities({
    adapters,
    conversations: ownStore ?? (options.conversationStore as ConversationStore),
    ...(options.prices ? { prices: options.prices } : {}),
    ...(options.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
    ...(options.tokens ? { tokens: options.tokens } : {}),
  });
  // Activity interceptors only: these workers run no workflows, so they need no workflow modules or sinks.
  const activityInterceptors = options.tracing
    ? tracingWorkerOptions(options.tracing).interceptors.activity
    : undefined;
  const workers = await Promise.all(
    providers.map((provider) => {
      const rate = options.rateLimits?.[provider];
      return Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: modelTaskQueue(options.taskQueue, provider),
        activities,
        ...(rate ? { maxTaskQueueActivitiesPerSecond: rate } : {}),
        ...(activityInterceptors ? { interceptors: { activity: activityInterceptors } } : {}),
        shutdownGraceTime: options.shutdownGraceTime ?? '10s',
        ...(options.identity ? { identity: `${options.identity}-model-${provider}` } : {}),
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
        ...(options.workerDeploymentOptions ? { workerDeploymentOptions: options.workerDeploymentOptions } : {}),
      });
    }),
  );
  if (ownStore) {
    let running = workers.length;
    for (const worker of workers) {
      onWorkerStopped(
        worker,
        // The store closes once the last of these workers has stopped.
        () => (--running === 0 ? ownStore.close() : Promise.resolve()),
        (err) =>
          Runtime.instance().logger.warn('closing the conversation store failed', { error: (err as Error).message }),
      );
    }
  }
  return workers;
}
