/**
 * Builds the worker that runs agent workflows and their activities. Shared by `npm run worker`, the demo
 * and the tests, so all three run exactly the same registration.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { createModelAdapters } from './activities/models/clients';
import type { DefinedTool } from './activities/tools/define-tool';
import type { ProviderSettings } from './config';

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
}

/** Path of the workflow entry point; the worker bundles it (TypeScript included) for the workflow sandbox. */
export const workflowsPath = require.resolve('./workflows');

export function createAgentWorker(options: AgentWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    adapters: createModelAdapters(options.providers),
    workspaceDir: options.workspaceDir,
    knowledgeBaseDir: options.knowledgeBaseDir,
    tools: options.tools,
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities,
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    ...(options.identity ? { identity: options.identity } : {}),
  });
}
