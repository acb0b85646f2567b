/**
 * `npm run worker`: connects to Temporal, registers agentWorkflow and every activity, and runs until
 * SIGINT or SIGTERM, when it stops polling and lets in-flight activities finish (graceful shutdown).
 */
import { parseArgs } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import { createAgentWorker } from './agent-worker';
import { loadConfig, type Config } from '../config/env';
import { connectionOptions } from '../config/connection';
import { mcpServersFromEnv } from '../config/mcp-servers';
import { webhooksFromEnv } from '../config/webhooks';
import { createLogger, installTemporalLogging } from '../telemetry/logging';
import { runtimeMetricsOptions } from '../telemetry/metrics';
import { tracingFromSettings } from '../telemetry/tracing';
import { encryptedDataConverter } from '../security/data-converter';
import { registerSecrets } from '../security/redaction';
import { loadToolsModule } from './tools-module';
import { createPostgresTokenBroker } from '../streaming/postgres';

/** Refuses to start a worker that could not call any model: better now than on the first run. */
function assertSomeProvider(config: Config): void {
  if (Object.keys(config.providers).length === 0) {
    throw new Error(
      'no model provider configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENAI_BASE_URL (an OpenAI-compatible server) or MOCK_LLM_URL',
    );
  }
}

const USAGE = `Usage: npm run worker [-- --help]

Runs an agent worker and its model workers against Temporal until Ctrl-C or SIGTERM, then stops polling and
lets in-flight activities finish. Settings come from the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_TASK_QUEUE, a model provider (OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENAI_BASE_URL or MOCK_LLM_URL),
AGENT_TOOLS_MODULE and the rest listed in docs/configuration.md.`;

/** True for --help; any other argument is refused, since the worker takes its settings from the environment. */
function wantsHelp(args: string[]): boolean {
  try {
    return parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } }).values.help === true;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const mcpServers = mcpServersFromEnv();
  const webhooks = webhooksFromEnv();
  registerSecrets([config.temporal.apiKey]);
  assertSomeProvider(config);
  // Certificates are read before the Temporal runtime starts: once it runs it keeps the process alive, so a
  // missing file found later would print its error and hang instead of exiting.
  const options = connectionOptions(config.temporal);
  const logger = createLogger(config.logLevel);
  installTemporalLogging(logger, { metrics: runtimeMetricsOptions(config.telemetry) });
  const tracing = tracingFromSettings(config.telemetry, 'worker');

  // Live tokens leave this process only through a shared broker; a failing broker loses live text, never a run.
  const tokens = config.tokenStream.url
    ? createPostgresTokenBroker(config.tokenStream.url, {
        onError: (err) => logger.warn({ error: err.message }, 'token broker: live text dropped'),
      })
    : undefined;
  const connection = await NativeConnection.connect(options);
  // Agent and model workers alike encrypt and decrypt payloads when AGENT_PAYLOAD_KEYS is set.
  const dataConverter = encryptedDataConverter(config.temporal.payloadKeys);
  try {
    const worker = await createAgentWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      providers: config.providers,
      workspaceDir: config.workspaceDir,
      knowledgeBaseDir: config.knowledgeBaseDir,
      tools: loadToolsModule(config.toolsModule),
      mcpServers,
      httpFetch: config.httpFetch,
      codeRunner: config.codeRunner,
      ...(tracing ? { tracing } : {}),
      conversationStore: config.conversationStore,
      ...(config.prices ? { prices: config.prices } : {}),
      ...(config.allowUnpricedModels ? { allowUnpricedModels: true } : {}),
      ...(tokens ? { tokens } : {}),
      dataConverter,
      approvalSecret: config.approvalSecret,
      ...(config.agentSpecsDir ? { specsDir: config.agentSpecsDir } : {}),
      ...(webhooks ? { webhooks } : {}),
      // Model calls go to one task queue per provider, rate-limited there across every worker; the worker's
      // run() runs those queues' workers too, and logs them with the tools it registered.
      rateLimits: config.rateLimits,
      // Kubernetes waits terminationGracePeriodSeconds after SIGTERM; this must be shorter (deploy/k8s/).
      shutdownGraceTime: config.worker.shutdownGraceTime,
      ...(config.worker.deployment ? { deployment: config.worker.deployment } : {}),
    });
    logger.info(
      {
        address: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        providers: Object.keys(config.providers),
        traces: config.telemetry.tracesExporter,
        ...(config.telemetry.prometheusBind ? { prometheus: `http://${config.telemetry.prometheusBind}/metrics` } : {}),
        conversationStore: config.conversationStore.kind,
        tokens: tokens ? 'postgres' : 'none',
        mcpServers: mcpServers.map((s) => s.name),
        webhooks: webhooks?.subscriptions.map((s) => s.name) ?? [],
        rateLimits: config.rateLimits,
        ...(config.agentSpecsDir ? { agentSpecsDir: config.agentSpecsDir } : {}),
        ...(config.worker.deployment ? { deployment: config.worker.deployment } : {}),
      },
      'worker started; Ctrl-C stops it after in-flight activities finish',
    );
    // The runtime turns SIGINT/SIGTERM into a graceful worker shutdown; run() resolves once it is done.
    await worker.run();
    logger.info('worker stopped');
  } finally {
    // Spans still buffered go out before the process ends.
    await tracing?.shutdown().catch(() => undefined);
    await tokens?.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
