/**
 * `startTestStack`: what a user's own tests need to run agents offline against real Temporal: the Temporal CLI dev
 * server (resolved like the project's own tests resolve it), the mock LLM server, and a worker with the
 * durable-agents plugin, their tools and (optionally) their own workflows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalEnvironment } from './local-environment';
import { Worker } from '@temporalio/worker';
import { agentSearchAttributeKeys } from '../contracts/search-attributes';
import { durableAgentsPlugin, type DurableAgentsPluginOptions } from '../worker/plugin';
import { startMockLlm, type MockLlm } from './mock-llm';
import type { MockScenario } from './scenarios';
import { resolveTemporalCli } from './temporal-cli';

export interface TestStackOptions extends Partial<Omit<DurableAgentsPluginOptions, 'providers'>> {
  /** Scenarios the mock LLM server plays, by name (`mock:<name>` models), beside the shipped ones. */
  scenarios?: Record<string, MockScenario>;
  /** The worker's own workflows (a module path), registered beside ours. */
  workflowsPath?: string;
  /** The task queue of the worker (default: a fresh one per stack). */
  taskQueue?: string;
  /** Progress lines while the Temporal CLI is resolved or built (default: stderr). */
  log?: (line: string) => void;
}

export interface TestStack {
  env: TestWorkflowEnvironment;
  /** A client of the dev server; pass it to the client API or start workflows with it. */
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  mock: MockLlm;
  /** The running worker (with the durable-agents plugin). */
  worker: Worker;
  /** Folder the file tools work in (a fresh temporary one unless given). */
  workspaceDir: string;
  /** Stops the worker, the mock server and the dev server, and removes the temporary folders. */
  stop(): Promise<void>;
}

let stacks = 0;

/** Starts a dev server, the mock LLM server and a worker; `stop()` undoes all of it. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const { scenarios, workflowsPath, taskQueue: givenQueue, log, ...pluginOptions } = options;
  const cli = await resolveTemporalCli({ allowInstall: true, ...(log ? { log } : {}) });
  const env = await createLocalEnvironment({
    server: {
      ...(cli.source === 'sdk-download' ? {} : { executable: { type: 'existing-path', path: cli.path } }),
      ip: '127.0.0.1',
      searchAttributes: agentSearchAttributeKeys,
      extraArgs: ['--log-level', 'error'],
    },
  });
  const made: string[] = [];
  const cleanUp = async (): Promise<void> => {
    await env.teardown();
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  };
  let mock: MockLlm | undefined;
  try {
    mock = await startMockLlm(scenarios ? { scenarios } : {});
    const workspaceDir = pluginOptions.workspaceDir ?? mkTemp('da-test-workspace-', made);
    const taskQueue = givenQueue ?? `durable-agents-test-${process.pid}-${++stacks}`;
    const namespace = env.namespace ?? 'default';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace,
      taskQueue,
      ...(workflowsPath ? { workflowsPath } : {}),
      plugins: [
        durableAgentsPlugin({
          conversationStore: { kind: 'file', dir: mkTemp('da-test-conversations-', made) },
          ...pluginOptions,
          providers: mock.providers,
          workspaceDir,
        }),
      ],
    });
    const running = worker.run();
    return {
      env,
      client: env.client,
      address: env.address,
      namespace,
      taskQueue,
      mock: mock,
      worker,
      workspaceDir,
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await mock?.close();
        await cleanUp();
      },
    };
  } catch (err) {
    await mock?.close();
    await cleanUp();
    throw err;
  }
}

function mkTemp(prefix: string, made: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
