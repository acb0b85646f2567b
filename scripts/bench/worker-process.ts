/**
 * A bench worker in a process of its own, so its RSS is its own and the crash phase can SIGKILL it. It registers
 * exactly what `createAgentWorker` registers (createActivities over createModelAdapters, plus the bench bundle, which
 * holds agentWorkflow and the hand-written baseline) and adds the worker options under test.
 *
 * Protocol over the IPC channel: it sends `ready` once polling, answers `stats` with its memory figures, and stops
 * on `shutdown`. It also stops when the channel closes (the bench died) and after `maxLifetimeMs` whatever happens.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { createConversationStore, defaultConversationStoreDir } from '../../src/activities/conversation';
import { createModelAdapters } from '../../src/activities/models/clients';
import { createLogger, installTemporalLogging } from '../../src/telemetry/logging';
import { createModelWorkers } from '../../src/worker/model-workers';
import type { WorkerTuning } from './options';
import type { ProviderQueues } from '../../src/contracts/model-queues';
import type { Provider } from '../../src/contracts/model-id';
import { cpuSeconds } from './stats';

export interface WorkerProcessConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Base URL of the mock LLM server (or of the recording proxy in front of it). */
  mockUrl: string;
  /** The prebuilt workflow bundle (scripts/bench/workflows.ts), written to a file by the bench. */
  bundlePath: string;
  workspaceDir: string;
  knowledgeBaseDir: string;
  tuning: WorkerTuning;
  logLevel: string;
  maxLifetimeMs: number;
  /** What describeTools tells new runs about model queues; `[]` (no provider rate-limited) by default. */
  providerQueues?: ProviderQueues;
  /** Rate limits of the model workers, as AGENT_RATE_LIMIT_<PROVIDER> would set them. */
  rateLimits?: Partial<Record<Provider, number>>;
}

export type ParentMessage = { type: 'stats' } | { type: 'reset-peak' } | { type: 'shutdown' };
export interface MemoryStats {
  rss: number;
  /** Highest RSS seen since start or the last `reset-peak`, sampled every 50 ms. */
  peakRss: number;
  heapUsed: number;
  /** CPU time (user + system) used since the last `reset-peak`, in seconds. */
  cpuS: number;
  /**
   * Of that, the main thread's (Linux only): it runs the activities, converts payloads and talks to the native
   * worker, while workflow code runs on a thread of its own.
   */
  mainThreadCpuS?: number;
}
export type ChildMessage = { type: 'ready' } | ({ type: 'stats' } & MemoryStats) | { type: 'error'; message: string };

const send = (message: ChildMessage): void => {
  if (process.connected) process.send?.(message);
};

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
  installTemporalLogging(createLogger(config.logLevel, 2));

  let peakRss = process.memoryUsage.rss();
  let cpuSince = process.cpuUsage();
  let mainThreadSince = cpuSeconds(process.pid, process.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);

  const connection = await NativeConnection.connect({ address: config.address });
  // One conversation store for the agent worker and the model workers, as createAgentWorker shares its own: model
  // calls of providers without a rate limit run on the agent worker (the workflow's own queue).
  const conversations = createConversationStore({ kind: 'file', dir: defaultConversationStoreDir() });
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    activities: createActivities({
      adapters: createModelAdapters({ mock: { baseURL: config.mockUrl, wire: 'openai' } }),
      workspaceDir: config.workspaceDir,
      knowledgeBaseDir: config.knowledgeBaseDir,
      conversations,
      // As createAgentWorker without rate limits: model calls stay on the workflow's queue (eager-eligible).
      providerQueues: config.providerQueues ?? [],
    }),
    shutdownGraceTime: '5s',
    ...config.tuning,
  });
  // agentWorkflow sends its model calls to the provider's task queue; these workers poll it.
  const modelWorkers = await createModelWorkers({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    providers: { mock: { baseURL: config.mockUrl, wire: 'openai' } },
    ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}),
    conversationStore: conversations,
    shutdownGraceTime: '5s',
  });

  const stop = (): void => {
    for (const w of [worker, ...modelWorkers]) if (w.getState() === 'RUNNING') w.shutdown();
    // A worker that does not stop within its grace time (plus margin) is not worth waiting for.
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'shutdown') stop();
    else if (message.type === 'reset-peak') {
      peakRss = process.memoryUsage.rss();
      cpuSince = process.cpuUsage();
      mainThreadSince = cpuSeconds(process.pid, process.pid);
    } else if (message.type === 'stats') {
      const { rss, heapUsed } = process.memoryUsage();
      peakRss = Math.max(peakRss, rss);
      const cpu = process.cpuUsage(cpuSince);
      const mainThread = cpuSeconds(process.pid, process.pid);
      send({
        type: 'stats',
        rss,
        peakRss,
        heapUsed,
        cpuS: (cpu.user + cpu.system) / 1e6,
        ...(mainThread !== undefined && mainThreadSince !== undefined
          ? { mainThreadCpuS: mainThread - mainThreadSince }
          : {}),
      });
    }
  });
  // The bench went away without saying goodbye: nobody will ever ask this worker to stop.
  process.on('disconnect', stop);
  setTimeout(stop, config.maxLifetimeMs).unref();

  const running = Promise.all([worker.run(), ...modelWorkers.map((w) => w.run())]);
  send({ type: 'ready' });
  try {
    await running;
  } finally {
    clearInterval(sampler);
    await conversations.close();
    await connection.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    send({ type: 'error', message: (err as Error).stack ?? String(err) });
    process.stderr.write(`bench worker: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
