/**
 * The local stack behind `npm run demo` and `npm run dev`: the Temporal dev server (started, or reused when
 * one already listens), the mock LLM server when no provider key is set, and an in-process agent worker.
 * Everything it started, it stops.
 */
import path from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createAgentWorker } from '../src/worker/agent-worker';
import { loadConfig, type Config } from '../src/config/env';
import type { ProviderSettings } from '../src/activities/models/settings';
import { connectionOptions } from '../src/config/connection';
import { createLogger, installTemporalLogging } from '../src/telemetry/logging';
import { runtimeMetricsOptions } from '../src/telemetry/metrics';
import { tracingFromSettings } from '../src/telemetry/tracing';
import { encryptedDataConverter } from '../src/security/data-converter';
import { loadToolsModule } from '../src/worker/tools-module';
import { startMockLlmServer, type MockLlmServer } from '../src/servers/mock-llm/server';
import { ensureDevServer } from './dev-server';
import { resolveTemporalCli } from './temporal-cli';

export interface LocalStack {
  config: Config;
  providers: ProviderSettings;
  /** True when no API key was set and the shipped mock LLM server plays the model. */
  offline: boolean;
  worker: Worker;
  workerRun: Promise<void>;
  stop(): Promise<void>;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

export async function startLocalStack(options: { taskQueue?: string; logLevel?: string } = {}): Promise<LocalStack> {
  const config = loadConfig();
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  installTemporalLogging(createLogger(options.logLevel ?? config.logLevel, 2), {
    metrics: runtimeMetricsOptions(config.telemetry),
  });
  const tracing = tracingFromSettings(config.telemetry, 'worker');

  const local = config.temporal.address === 'localhost:7233' || config.temporal.address === '127.0.0.1:7233';
  let stopServer = async (): Promise<void> => undefined;
  if (local) {
    const cli = await resolveTemporalCli({ allowInstall: true, log: say });
    const server = await ensureDevServer({
      cliPath: cli.path,
      port: 7233,
      uiPort: 8233,
      dbFile: path.resolve(__dirname, '..', '.temporal', 'dev.sqlite'),
      log: say,
    });
    say(
      server.reused
        ? `Temporal dev server already running at ${server.address}`
        : `Temporal dev server started at ${server.address}`,
    );
    say(`Web UI: ${server.uiUrl}`);
    stopServer = () => server.stop();
  } else {
    say(`Using the Temporal cluster at ${config.temporal.address} (namespace ${config.temporal.namespace})`);
  }

  let mock: MockLlmServer | undefined;
  let providers = config.providers;
  const offline = !config.providers.openai && !config.providers.anthropic;
  if (offline) {
    mock = await startMockLlmServer({ host: '127.0.0.1', port: 0 });
    providers = { ...providers, mock: { baseURL: mock.url, wire: 'openai' } };
    say(
      `No OPENAI_API_KEY or ANTHROPIC_API_KEY set: using the shipped mock LLM server at ${mock.url} (offline, scripted replies)`,
    );
  }

  const connection = await NativeConnection.connect(connectionOptions(config.temporal));
  const worker = await createAgentWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    providers,
    workspaceDir: config.workspaceDir,
    knowledgeBaseDir: config.knowledgeBaseDir,
    tools: loadToolsModule(config.toolsModule),
    httpFetch: config.httpFetch,
    codeRunner: config.codeRunner,
    conversationStore: config.conversationStore,
    ...(tracing ? { tracing } : {}),
    ...(config.prices ? { prices: config.prices } : {}),
    dataConverter: encryptedDataConverter(config.temporal.payloadKeys),
    approvalSecret: config.approvalSecret,
    rateLimits: config.rateLimits,
  });
  // run() also runs the model workers of the providers' task queues.
  const workerRun = worker.run();
  say(`Worker polling task queue "${config.temporal.taskQueue}"`);
  if (tracing) say(`Traces: ${config.telemetry.tracesExporter} (service ${config.telemetry.serviceName})`);
  if (config.telemetry.prometheusBind) say(`Metrics: http://${config.telemetry.prometheusBind}/metrics`);

  return {
    config,
    providers,
    offline,
    worker,
    workerRun,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun.catch(() => undefined);
      await tracing?.shutdown().catch(() => undefined);
      await connection.close();
      await mock?.close();
      await stopServer();
    },
  };
}
