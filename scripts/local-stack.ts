/**
 * The local stack behind `npm run demo` and `npm run dev`: the Temporal dev server (started, or reused when
 * one already listens), the mock LLM server when no provider key is set, and an in-process agent worker.
 * Everything it started, it stops, also when a later step fails.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createAgentWorker } from '../src/worker/agent-worker';
import type { TokenBroker } from '../src/streaming/broker';
import { createInProcessTokenBroker } from '../src/streaming/in-process';
import { createPostgresTokenBroker } from '../src/streaming/postgres';
import { loadConfig, type Config } from '../src/config/env';
import type { ProviderSettings } from '../src/activities/models/settings';
import { connectionOptions } from '../src/config/connection';
import { UserError } from '../src/contracts/errors';
import { createLogger, installTemporalLogging } from '../src/telemetry/logging';
import { runtimeMetricsOptions } from '../src/telemetry/metrics';
import { tracingFromSettings } from '../src/telemetry/tracing';
import { encryptedDataConverter } from '../src/security/data-converter';
import { loadToolsModule } from '../src/worker/tools-module';
import { startMockLlmServer } from '../src/servers/mock-llm/server';
import { ensureDevServer, localDevServerSettingsFromEnv, type LocalDevServerSettings } from './dev-server';
import { resolveTemporalCli } from './temporal-cli';

export interface LocalStack {
  /** The settings in use; `temporal.address` and `temporal.webUiUrl` point at the dev server when one runs here. */
  config: Config;
  providers: ProviderSettings;
  /** True when no API key was set and the shipped mock LLM server plays the model. */
  offline: boolean;
  worker: Worker;
  workerRun: Promise<void>;
  /**
   * Where the worker publishes live model text: the PostgreSQL broker of AGENT_TOKEN_STREAM_URL, or one in this
   * process, so an API started beside the stack (dev, demo --api) streams tokens without any set-up.
   */
  tokens: TokenBroker;
  stop(): Promise<void>;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * The dev server this stack starts (or reuses), or undefined when the settings name a server of someone else's,
 * which the stack only connects to. Ours listens on TEMPORAL_PORT, and is used when TEMPORAL_ADDRESS is unset (and
 * no temporal.toml profile names another address) or names localhost or 127.0.0.1 on that port.
 */
function localDevServerFor(config: Config, env: NodeJS.ProcessEnv): LocalDevServerSettings | undefined {
  const local = localDevServerSettingsFromEnv(env);
  const given = env.TEMPORAL_ADDRESS?.trim();
  if (!given) return config.temporal.address === 'localhost:7233' ? local : undefined;
  const port = /^(?:localhost|127\.0\.0\.1):(\d+)$/.exec(given)?.[1];
  return Number(port) === local.port ? local : undefined;
}

/** Connects, or says in one line which server did not answer and what to do about it. */
async function connectTo(config: Config, startedHere: boolean): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(config.temporal));
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const reason = /connection refused/i.test(text) ? 'connection refused' : text;
    const hint = startedHere
      ? 'the dev server started here stopped answering; see its output above'
      : 'is it running? Start one with `npm run server`, or unset TEMPORAL_ADDRESS to let this script start its own';
    throw new UserError(`cannot connect to the Temporal server at ${config.temporal.address} (${reason}): ${hint}`);
  }
}

export async function startLocalStack(
  options: { taskQueue?: string; logLevel?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  const devServer = localDevServerFor(config, env);
  // What this function started, stopped in reverse order by stop() or as soon as a later step fails.
  const started: Array<() => Promise<void>> = [];
  const stopStarted = async (): Promise<void> => {
    for (const stop of started.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    installTemporalLogging(createLogger(options.logLevel ?? config.logLevel, 2), {
      metrics: runtimeMetricsOptions(config.telemetry),
    });
    const tracing = tracingFromSettings(config.telemetry, 'worker');
    if (tracing) started.push(() => tracing.shutdown());

    if (devServer) {
      const cli = await resolveTemporalCli({ allowInstall: true, log: say });
      const server = await ensureDevServer({ cliPath: cli.path, ...devServer, log: say });
      started.push(() => server.stop());
      config.temporal.address = server.address;
      // A Web UI link must point where this server's UI listens, unless the operator named another base.
      if (!env.TEMPORAL_UI_URL?.trim()) config.temporal.webUiUrl = server.uiUrl;
      say(
        server.reused
          ? `Temporal dev server already running at ${server.address}`
          : `Temporal dev server started at ${server.address} (data in ${devServer.dbFile})`,
      );
      say(`Web UI: ${config.temporal.webUiUrl}`);
    } else {
      say(`Using the Temporal cluster at ${config.temporal.address} (namespace ${config.temporal.namespace})`);
    }

    let providers = config.providers;
    const offline = !config.providers.openai && !config.providers.anthropic;
    if (offline) {
      const mock = await startMockLlmServer({ host: '127.0.0.1', port: 0 });
      started.push(() => mock.close());
      providers = { ...providers, mock: { baseURL: mock.url, wire: 'openai' } };
      say(
        `No OPENAI_API_KEY or ANTHROPIC_API_KEY set: using the shipped mock LLM server at ${mock.url} (offline, scripted replies)`,
      );
    }

    const tokens = config.tokenStream.url
      ? createPostgresTokenBroker(config.tokenStream.url, {
          onError: (err) => say(`token broker: live text dropped (${err.message})`),
        })
      : createInProcessTokenBroker();
    started.push(() => tokens.close());

    const connection = await connectTo(config, devServer !== undefined);
    started.push(() => connection.close());
    const dataConverter = encryptedDataConverter(config.temporal.payloadKeys);
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
      dataConverter,
      approvalSecret: config.approvalSecret,
      rateLimits: config.rateLimits,
      tokens,
    });
    // run() also runs the model workers of the providers' task queues.
    const workerRun = worker.run();
    started.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun.catch(() => undefined);
    });
    say(`Worker polling task queue "${config.temporal.taskQueue}"`);
    if (tracing) say(`Traces: ${config.telemetry.tracesExporter} (service ${config.telemetry.serviceName})`);
    if (config.telemetry.prometheusBind) say(`Metrics: http://${config.telemetry.prometheusBind}/metrics`);
    return { config, providers, offline, worker, workerRun, tokens, stop: stopStarted };
  } catch (err) {
    await stopStarted();
    throw err;
  }
}
