/**
 * A worker in a process of its own, so a test can SIGKILL it: built by createAgentWorker (which runs the model workers),
 * exactly as `npm run worker` builds it, from settings the parent passes in CHILD_WORKER (JSON). Prints `ready` once it
 * polls. Logs go to stderr.
 */
import { NativeConnection } from '@temporalio/worker';
import { createAgentWorker } from '../../src/worker/agent-worker';
import { createLogger, installTemporalLogging } from '../../src/telemetry/logging';
import { loadToolsModule } from '../../src/worker/tools-module';
import type { ChildWorkerSettings } from './child-worker';
import { createPostgresTokenBroker } from '../../src/streaming/postgres';

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.CHILD_WORKER ?? '') as ChildWorkerSettings;
  installTemporalLogging(createLogger(process.env.CHILD_LOG_LEVEL ?? 'warn', 2));
  const connection = await NativeConnection.connect({ address: settings.address });
  const common = {
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    providers: { mock: { baseURL: settings.mockUrl, wire: 'openai' as const } },
    identity: settings.identity,
    shutdownGraceTime: '1s',
  };
  const tokens = settings.tokenStreamUrl ? createPostgresTokenBroker(settings.tokenStreamUrl) : undefined;
  const worker = await createAgentWorker({
    ...common,
    workspaceDir: settings.workspaceDir,
    knowledgeBaseDir: settings.knowledgeBaseDir,
    workflowBundle: { codePath: settings.bundlePath },
    tools: loadToolsModule(settings.toolsModule),
    ...(settings.rateLimits ? { rateLimits: settings.rateLimits } : {}),
    ...(tokens ? { tokens } : {}),
  });
  // run() also runs the workers of `<taskQueue>-model-<provider>`, as `npm run worker` does.
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
  await tokens?.close();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`child worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
